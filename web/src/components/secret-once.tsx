import { useState } from 'react';

/** A secret shown this one time (SDK keys): copy it now, it is never shown again. */
export function SecretOnce(props: { label: string; value: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(props.value).then(
      () => setCopied(true),
      () => undefined,
    );
  };
  return (
    <div className="banner banner-secret" role="status">
      <strong>{props.label}</strong>
      <p className="muted">Copy it now: it is shown only this once and can't be displayed again.</p>
      <div className="secret-row">
        <code data-testid="secret-value">{props.value}</code>
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="secondary" onClick={props.onDismiss}>
          I saved it
        </button>
      </div>
    </div>
  );
}
