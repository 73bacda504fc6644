import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type DryRunRecordVerdictOut, type DryRunOut, type PreviewOut, type PreviewRecordOut } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { Field } from '../components/field.js';
import { StatusBadge } from '../components/status-badge.js';
import { exampleMatching, PAYLOAD_EXAMPLES } from '../examples.js';
import { prettyJson } from '../format.js';
import { Link } from '../router.js';

/** How long typing must pause before the preview is asked again. */
const DEBOUNCE_MS = 350;

/** Why nothing would be sent, in plain words (the codes are those of the events log). */
const SKIP_REASONS: Record<string, string> = {
  invalid_json: 'It is not JSON: the webhook would quarantine it.',
  not_an_object: 'It is JSON but not an object: the webhook would quarantine it.',
  missing_event_id: 'No event_id: the webhook would quarantine it.',
  invalid_event_id: 'The event_id is not usable text: the webhook would quarantine it.',
  missing_event_name: 'No event_name: the webhook would quarantine it.',
  invalid_event_name: 'The event_name is not usable text: the webhook would quarantine it.',
  missing_event_created_at: 'No event_created_at_ms nor a readable event_created_at: the webhook would quarantine it.',
  event_created_at_out_of_range: 'The creation time is outside the years 0–9999: the webhook would quarantine it.',
  payload_too_large: 'Over 256 KiB: the webhook would refuse it (413).',
  no_user_key: 'The payload names no user_id nor anonymous_user_id: nothing can be sent for it.',
  integration_disabled: 'The CleverTap integration is disabled (Integrations → CleverTap).',
  sandbox_skipped: 'It is a SANDBOX event, and SANDBOX events are skipped (Integrations → CleverTap → Account parameters).',
  event_disabled: 'This event is not enabled (Integrations → CleverTap → Server events).',
};

type Verdicts = { result: DryRunOut; records: (DryRunRecordVerdictOut | undefined)[] };

/** The line under a failed dry run: a rate limit and an authentication failure say so plainly. */
function dryRunError(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 429) {
    return `Too many checks with CleverTap: at most 10 a minute per app, so that a busy page can't use up CleverTap's quota. ${err.message}`;
  }
  return null;
}

/**
 * Try a payload: paste one (or pick a documented example) and see, while typing, the records it
 * would produce with the app's current settings and the user's current state — nothing is stored
 * or sent. *Validate with CleverTap* asks CleverTap itself through a dry run.
 */
export function PreviewPage(props: { appId: string }) {
  const [text, setText] = useState('');
  const [result, setResult] = useState<PreviewOut | null>(null);
  /** The text `result` is about: its verdicts are shown only while the text is unchanged. */
  const [resultText, setResultText] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [updating, setUpdating] = useState(false);
  const [validating, setValidating] = useState(false);
  const [validateError, setValidateError] = useState<unknown>(undefined);
  // Every call takes a number; only the newest call's answer is shown.
  const latest = useRef(0);

  const parseProblem = (() => {
    if (text.trim() === '') return null;
    try {
      JSON.parse(text);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  })();

  useEffect(() => {
    if (text.trim() === '') {
      latest.current += 1;
      setResult(null);
      setError(undefined);
      setUpdating(false);
      return;
    }
    setUpdating(true);
    const timer = window.setTimeout(() => {
      const run = ++latest.current;
      // The raw text, as Purchasely would post it: the server checks it exactly as the webhook does.
      api.previewPayload(props.appId, text, false).then(
        (answer) => {
          if (run !== latest.current) return;
          setResult(answer);
          setResultText(text);
          setError(undefined);
          setUpdating(false);
        },
        (err: unknown) => {
          if (run !== latest.current) return;
          setError(err);
          setUpdating(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, props.appId]);

  const validate = async () => {
    const run = ++latest.current;
    const sent = text;
    setValidating(true);
    setValidateError(undefined);
    try {
      const answer = await api.previewPayload(props.appId, sent, true);
      if (run !== latest.current) return;
      setResult(answer);
      setResultText(sent);
      setError(undefined);
      setUpdating(false);
    } catch (err) {
      if (run === latest.current) setValidateError(err);
    } finally {
      setValidating(false);
    }
  };

  const example = exampleMatching(text);
  // While the next answer is on its way the previous one stays (dimmed); CleverTap's verdicts only for the text they are about.
  const current = result;
  const upToDate = result !== null && resultText === text;
  const verdicts: Verdicts | null = upToDate && result.clevertap ? { result: result.clevertap, records: result.records.map((_, i) => result.clevertap!.records[i]) } : null;
  const canValidate = upToDate && result.outcome === 'records' && result.records.length > 0 && !validating && !updating;
  const base = `/apps/${encodeURIComponent(props.appId)}`;

  return (
    <div className="stack">
      <div className="page-title">
        <h1>Try a payload</h1>
        <p className="muted">
          Paste a Purchasely payload, or pick a documented example: the CleverTap records it would produce now — with this app's settings and the user's current state — appear as
          you type. Nothing is stored, and nothing is sent unless you ask CleverTap to check them.
        </p>
      </div>
      <div className="preview-layout">
        <div className="card form preview-input">
          <Field label="Documented example" htmlFor="preview-example" hint="Purchasely's own example payloads, as its docs show them.">
            <select
              id="preview-example"
              value={example?.name ?? ''}
              onChange={(e) => {
                const picked = PAYLOAD_EXAMPLES.find((x) => x.name === e.target.value);
                if (picked) setText(picked.text);
              }}
              data-testid="preview-example"
            >
              <option value="">{text.trim() === '' ? 'Choose an example…' : 'Your own payload'}</option>
              {PAYLOAD_EXAMPLES.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name} — {x.description}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Payload (JSON)"
            htmlFor="preview-payload"
            hint="The body Purchasely posts to the webhook."
            error={parseProblem ? `Not valid JSON yet: ${parseProblem}` : null}
          >
            <textarea
              id="preview-payload"
              className="code-input"
              rows={26}
              spellCheck={false}
              autoComplete="off"
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-invalid={parseProblem ? true : undefined}
              data-testid="preview-payload"
            />
          </Field>
          <div className="row">
            <button type="button" onClick={() => void validate()} disabled={!canValidate} data-testid="validate">
              {validating ? 'Asking CleverTap…' : 'Validate with CleverTap'}
            </button>
            <button type="button" className="secondary" onClick={() => setText('')} disabled={text === ''}>
              Clear
            </button>
          </div>
          <p className="hint">
            CleverTap checks the records without storing them (a dry run), sent under the one identity <code>pcbridge-dry-run</code> so no real user's profile is touched. At most
            10 checks a minute per app.
          </p>
        </div>
        <div className={`stack preview-output${upToDate || current === null ? '' : ' stale'}`} aria-live="polite" aria-busy={updating || validating} data-testid="preview-output">
          <ErrorBanner error={error} />
          {validateError ? (
            <div data-testid="validate-error">
              {dryRunError(validateError) ? (
                <div className="banner banner-error" role="alert">
                  {dryRunError(validateError)}
                </div>
              ) : (
                <ErrorBanner error={validateError} />
              )}
            </div>
          ) : null}
          {text.trim() === '' ? (
            <div className="card muted" data-testid="preview-empty">
              Paste a payload or choose an example to see what it would become.
            </div>
          ) : current === null ? (
            <div className="card muted">Reading the payload…</div>
          ) : (
            <>
              <PreviewSummary preview={current} updating={!upToDate} base={base} />
              {verdicts ? <DryRunSummary verdicts={verdicts} /> : null}
              {current.records.map((record, i) => (
                <RecordCard key={i} index={i} record={record} verdict={verdicts?.records[i]} />
              ))}
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function PreviewSummary(props: { preview: PreviewOut; updating: boolean; base: string }) {
  const { preview } = props;
  const n = preview.records.length;
  return (
    <div className="card" data-testid="preview-summary">
      <div className="row">
        <h2 className="mono">{preview.eventName ?? 'Unreadable payload'}</h2>
        <StatusBadge status={preview.outcome} testId="preview-outcome" />
        {props.updating ? <span className="muted small">updating…</span> : null}
      </div>
      <dl className="facts">
        <dt>Outcome</dt>
        <dd data-testid="preview-outcome-text">{preview.outcome === 'records' ? `${n} ${n === 1 ? 'record' : 'records'} for CleverTap` : 'Nothing would be sent'}</dd>
        {preview.reason ? (
          <>
            <dt>Reason</dt>
            <dd data-testid="preview-reason">
              <code>{preview.reason}</code> {SKIP_REASONS[preview.reason] ?? ''}
            </dd>
          </>
        ) : null}
        {preview.note ? (
          <>
            <dt>Note</dt>
            <dd data-testid="preview-note">{preview.note}</dd>
          </>
        ) : null}
        {preview.eventId ? (
          <>
            <dt>Event ID</dt>
            <dd className="mono">{preview.eventId}</dd>
          </>
        ) : null}
      </dl>
      {preview.duplicate && preview.eventId ? (
        <div className="banner banner-warn" data-testid="preview-duplicate">
          This app already stored this <code>event_id</code>: the webhook would take the payload as a retry and store nothing. The records are shown as if it were new.{' '}
          <Link to={`${props.base}/events/${encodeURIComponent(preview.eventId)}`}>Open the stored event</Link>
        </div>
      ) : null}
    </div>
  );
}

function DryRunSummary(props: { verdicts: Verdicts }) {
  const { result } = props.verdicts;
  const refused = result.records.filter((r) => r.verdict === 'refused').length;
  const unchecked = result.records.filter((r) => r.verdict === 'not_checked').length;
  const authFailed = result.requests.some((r) => r.outcome === 'auth_failed');
  const tone = authFailed || refused > 0 || unchecked > 0 ? 'banner-error' : 'banner-ok';
  return (
    <div className={`banner ${tone}`} role="status" data-testid="dry-run-summary">
      <strong>
        {authFailed
          ? 'CleverTap refused the account ID and passcode: nothing was checked.'
          : refused > 0
            ? `CleverTap would refuse ${refused} of ${result.records.length} ${result.records.length === 1 ? 'record' : 'records'}.`
            : unchecked > 0
              ? `CleverTap did not check ${unchecked} of ${result.records.length} ${result.records.length === 1 ? 'record' : 'records'}.`
              : `CleverTap would accept ${result.records.length === 1 ? 'the record' : `all ${result.records.length} records`}.`}
      </strong>
      <ul className="plain-list">
        {result.requests.map((request, i) => (
          <li key={i} data-testid="dry-run-request">
            <StatusBadge status={request.outcome} /> {request.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function identifierText(identifier: PreviewRecordOut['identifier']): string {
  if (!identifier) return '';
  return Object.entries(identifier)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

function RecordCard(props: { index: number; record: PreviewRecordOut; verdict: DryRunRecordVerdictOut | undefined }) {
  const { record, verdict } = props;
  return (
    <section className="card record-card" aria-label={`Record ${props.index + 1}: ${record.kind}`} data-testid={`preview-record-${props.index}`}>
      <div className="row">
        <strong>#{props.index + 1}</strong>
        <span className={`badge badge-kind-${record.kind}`} data-testid="record-kind">
          {record.kind}
        </span>
        <span className="muted">
          to the <strong data-testid="record-account">{record.account}</strong> account · user <code>{record.userKey}</code>
        </span>
        <div className="spacer" />
        {record.held ? (
          <span data-testid="record-identifier">
            <StatusBadge status="held" /> <span className="muted small">waits for a CleverTap ID</span>
          </span>
        ) : record.identifier ? (
          <code data-testid="record-identifier">{identifierText(record.identifier)}</code>
        ) : (
          <span className="muted" data-testid="record-identifier">
            no identifier
          </span>
        )}
        {record.state === 'skipped' ? <StatusBadge status="skipped" /> : null}
      </div>
      {verdict ? (
        <div className={`verdict verdict-${verdict.verdict}`} data-testid="record-verdict">
          <StatusBadge status={verdict.verdict} />
          {verdict.code !== null ? <span className="mono small">code {verdict.code}</span> : null}
          {verdict.message ? <span className="small">{verdict.message}</span> : null}
        </div>
      ) : null}
      <pre className="code" data-testid="record-body">
        {prettyJson(record.body)}
      </pre>
    </section>
  );
}
