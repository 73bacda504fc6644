/**
 * `pcbridge integration get|set` (child processes on SQLite): get prints what `GET
 * …/integrations/clevertap` answers, never a passcode; set applies a file as a merge patch with
 * the API's validation — same messages as the API's 422, exit 2, nothing saved — and takes the
 * passcode from a file of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { buildApp } from '../../src/http/app.js';
import { loadIntegration } from '../../src/settings/load-integration.js';
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { runCli } from '../helpers/processes.js';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('pcbridge integration get|set (SQLite)', () => {
  let t: TestContext;
  let api: FastifyInstance;
  let dir: string;
  let appId: string;

  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const apiSettings = async (): Promise<Record<string, unknown>> =>
    (await api.inject({ method: 'GET', url: `/api/v1/apps/${appId}/integrations/clevertap`, headers: AUTH })).json();

  beforeAll(async () => {
    t = await createTestContext('sqlite');
    api = await buildApp(t.ctx);
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-integration-cli-'));
    appId = (await createApp(t.ctx, { name: 'CLI settings', webhookSecret: 'foobar' })).id;
  });
  afterAll(async () => {
    await api?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('get prints the settings as JSON, the same as the API, without any passcode', async () => {
    const res = await runCli(['integration', 'get', '--app', appId], t.env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(printed).toEqual(await apiSettings());
    expect(printed).toMatchObject({ enabled: false, passcodeSet: false });
    expect(printed).not.toHaveProperty('passcode');
  });

  it('set applies the file as a merge patch, the passcode from its own file, and prints the new settings', async () => {
    const settings = file(
      'settings.json',
      JSON.stringify({ enabled: true, region: 'us1', accountId: 'W9R-486-4W5Z', events: { SUBSCRIPTION_STARTED: { enabled: true, name: 'Subscription Started' } } }),
    );
    const passcode = file('passcode', 'QWE-RTY-UIOP\n');
    const res = await runCli(['integration', 'set', '--app', appId, '--file', settings, '--passcode-file', passcode], t.env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout) as Record<string, unknown> & { events: Record<string, { enabled: boolean; name: string }> };
    expect(printed).toMatchObject({ enabled: true, region: 'us1', accountId: 'W9R-486-4W5Z', passcodeSet: true });
    expect(printed.events.SUBSCRIPTION_STARTED).toEqual({ enabled: true, name: 'Subscription Started' });
    expect(res.stdout).not.toContain('QWE-RTY-UIOP');
    expect(printed).toEqual(await apiSettings());
    // Stored encrypted, without the file's newline.
    const stored = await loadIntegration(t.ctx.store, appId);
    expect(t.ctx.secrets.decrypt(stored.passcodeEnc!)).toBe('QWE-RTY-UIOP');

    // A second patch changes only what it names: the passcode and the event stay.
    const second = await runCli(['integration', 'set', '--app', appId, '--file', file('region.json', '{"region": "eu1"}')], t.env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ region: 'eu1', accountId: 'W9R-486-4W5Z', passcodeSet: true, enabled: true });
    expect((JSON.parse(second.stdout) as typeof printed).events.SUBSCRIPTION_STARTED).toEqual({ enabled: true, name: 'Subscription Started' });

    // What get prints can be edited and given back to set (read-only fields are ignored).
    const got = await runCli(['integration', 'get', '--app', appId], t.env);
    const roundTrip = await runCli(['integration', 'set', '--app', appId, '--file', file('got.json', got.stdout)], t.env);
    expect(roundTrip.stderr).toBe('');
    expect(JSON.parse(roundTrip.stdout)).toEqual(JSON.parse(got.stdout));
  }, 90_000);

  it("set refuses invalid settings with the API's validation messages, exits 2 and saves nothing", async () => {
    const before = await apiSettings();
    const patch = { region: 'mars1', events: { SUBSCRIPTION_STARTED: { enabled: true, name: 'Charged' }, ACTIVATE: { enabled: 'yes' } }, colour: 'blue' };
    const viaApi = await api.inject({
      method: 'PATCH',
      url: `/api/v1/apps/${appId}/integrations/clevertap`,
      headers: { ...AUTH, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify(patch),
    });
    expect(viaApi.statusCode).toBe(422);
    const details = (viaApi.json() as { error: { details: Array<{ path: string; message: string }> } }).error.details;
    expect(details.length).toBeGreaterThanOrEqual(3);

    const res = await runCli(['integration', 'set', '--app', appId, '--file', file('bad.json', JSON.stringify(patch))], t.env);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('pcbridge: The integration settings are not valid; nothing was saved:\n');
    for (const d of details) expect(res.stderr).toContain(`${d.path}: ${d.message}`);
    expect(await apiSettings()).toEqual(before);
  });

  it('exits 2 with one line for an unknown app, an unreadable or non-JSON file, and a passcode given twice', async () => {
    const cases: Array<{ args: string[]; says: RegExp }> = [
      { args: ['get', '--app', 'app_nope'], says: /No app with id app_nope/ },
      { args: ['set', '--app', 'app_nope', '--file', file('ok.json', '{}')], says: /No app with id app_nope/ },
      { args: ['set', '--app', appId, '--file', join(dir, 'missing.json')], says: /--file: cannot read .*missing\.json \(ENOENT\)/ },
      { args: ['set', '--app', appId, '--file', file('broken.json', '{"enabled": ')], says: /--file: .*broken\.json is not valid JSON/ },
      { args: ['set', '--app', appId, '--file', file('array.json', '[]')], says: /must hold a JSON object/ },
      {
        args: ['set', '--app', appId, '--file', file('with-passcode.json', '{"passcode": "x"}'), '--passcode-file', file('p2', 'y')],
        says: /give it once/,
      },
      { args: ['get'], says: /required option '--app <id>'/ },
    ];
    for (const c of cases) {
      const res = await runCli(['integration', ...c.args], t.env);
      expect(res.code, c.args.join(' ')).toBe(2);
      expect(res.stderr, c.args.join(' ')).toMatch(c.says);
      expect(res.stdout, c.args.join(' ')).toBe('');
    }
  }, 120_000);
});
