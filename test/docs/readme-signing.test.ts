/**
 * Following the README alone, a hand-signed webhook is accepted: the README's own shell block
 * (between `<!-- readme-test:sign-webhook -->` and `<!-- readme-test:end -->`) runs in bash,
 * with Debian's openssl and curl, against a real `pcbridge serve` process, after setting only
 * the three values the README asks the reader to set. docs/webhook-signing.md's block and sample
 * payload are run the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { REPO_ROOT, startServeProcess, type ServerProcess } from '../helpers/processes.js';

for (const tool of ['bash', 'openssl', 'curl']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    throw new Error(`${tool} is not installed: the README's signing commands need it (apt-get install ${tool}).`);
  }
}

/** The first fenced code block after `<!-- readme-test:NAME … -->`, up to `<!-- readme-test:end -->`. */
export function markedBlock(markdown: string, name: string): string {
  const start = markdown.indexOf(`<!-- readme-test:${name}`);
  if (start < 0) throw new Error(`no <!-- readme-test:${name} --> marker`);
  const end = markdown.indexOf('<!-- readme-test:end -->', start);
  if (end < 0) throw new Error(`the ${name} block has no <!-- readme-test:end --> marker`);
  const fenced = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(start, end));
  if (!fenced) throw new Error(`no fenced code block after the ${name} marker`);
  return fenced[1]!;
}

function runBash(script: string, cwd: string, env: Record<string, string>) {
  // Like a reader's terminal: their shell has the variables, nothing else of the test's.
  const res = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env },
    encoding: 'utf8',
    // Not a socket: bash reads /etc/bash.bashrc when its stdin is one (Node's pipes are).
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const SECRET = 'my-test-secret';

describe('the README signing commands, against a running pcbridge serve', () => {
  let t: TestContext;
  let server: ServerProcess;
  let dir: string;
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const signingDoc = readFileSync(join(REPO_ROOT, 'docs/webhook-signing.md'), 'utf8');

  beforeAll(async () => {
    t = await createTestContext('sqlite');
    server = await startServeProcess({ ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9' });
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-readme-'));
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function events(appId: string): Promise<Array<{ eventId: string; eventName: string; status: string }>> {
    const res = await fetch(`${server.baseUrl}/api/v1/apps/${appId}/events`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Array<{ eventId: string; eventName: string; status: string }> }).items;
  }

  it('states the algorithm the bridge checks', () => {
    for (const fact of ['HMAC-SHA256', 'lowercase hex', 'X-PURCHASELY-TIMESTAMP', 'X-PURCHASELY-REQUEST-SIGNATURE', 'raw body bytes', '300 s']) {
      expect(readme).toContain(fact);
    }
    expect(readme).not.toMatch(/SPEC §/);
  });

  it('creates an app, signs the sample body and gets 200 {"status":"stored"}, with the README\'s own commands', async () => {
    const script = markedBlock(readme, 'sign-webhook');
    const res = runBash(script, dir, { BASE: server.baseUrl, PCBRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SECRET });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe('{"status":"stored"} HTTP 200');

    const apps = (await (await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json()) as {
      items: Array<{ id: string; name: string }>;
    };
    const app = apps.items.find((a) => a.name === 'Signing test');
    expect(app).toBeDefined();
    const stored = await events(app!.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.eventId).toMatch(/^readme-\d+$/);
    expect(stored[0]!.eventName).toBe('SUBSCRIPTION_STARTED');
    expect(stored[0]!.status).not.toBe('quarantined');
  });

  it('is refused (401) when the same commands sign with another secret', () => {
    // The README's block with the webhook signed by a wrong key: the 200 above is the signature's doing.
    const script = markedBlock(readme, 'sign-webhook').replace('-hmac "$SECRET"', '-hmac "not-$SECRET"');
    expect(script).toContain('not-$SECRET');
    const res = runBash(script, dir, { BASE: server.baseUrl, PCBRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SECRET });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('"invalid_signature"');
    expect(res.stdout.trim()).toMatch(/ HTTP 401$/);
  });

  it("docs/webhook-signing.md's commands accept its sample payload", async () => {
    const created = await fetch(`${server.baseUrl}/api/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'docs signing', webhookSecret: SECRET }),
    });
    const appId = ((await created.json()) as { id: string }).id;
    const sample = markedBlock(signingDoc, 'sample-payload');
    expect(JSON.parse(sample).event_name).toBe('SUBSCRIPTION_STARTED');
    writeFileSync(join(dir, 'body.json'), `${sample}\n`);
    const res = runBash(markedBlock(signingDoc, 'sign-file'), dir, { BASE: server.baseUrl, APP_ID: appId, SECRET });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe('{"status":"stored"}');
    expect((await events(appId)).map((e) => e.eventId)).toEqual(['1a03612c-4960-40be-bc69-eeab14f9c6e9']);
  });
});
