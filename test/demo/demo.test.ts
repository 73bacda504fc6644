import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/processes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` returns a value (polling), or fails after `timeoutMs`. */
async function eventually<T>(check: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('pcbridge demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pcbridge-demo-'));
  let child: ChildProcess | null = null;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts bridge, emulator and simulator in one command, prints URL and token, delivers to the emulator, and stops on Ctrl-C', async () => {
    child = spawnCli(['demo', '--port', '0', '--data-dir', dataDir, '--users', '20'], { DATABASE_URL: undefined, PCBRIDGE_ADMIN_TOKEN: undefined, PCBRIDGE_SECRET_KEY: undefined });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    await eventually(async () => (out.includes('Press Ctrl-C') ? true : null), 30_000, `the demo banner; output so far:\n${out}`);
    const dashboard = /dashboard:\s+(http:\/\/\S+)/.exec(out)?.[1];
    const token = /admin token:\s+(\S+)/.exec(out)?.[1];
    const appId = /app:\s+(app_\w+)/.exec(out)?.[1];
    const records = /records: (http:\/\/\S+)/.exec(out)?.[1];
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(token).toMatch(/^pcb_demo_/);
    expect(appId).toBeDefined();
    expect(records).toMatch(/\/_emulator\/records$/);

    // The token opens the API, and the app's integration is enabled with everything on.
    const settings = await fetch(`${dashboard}api/v1/apps/${appId}/integrations/clevertap`, { headers: { authorization: `Bearer ${token}` } });
    expect(settings.status).toBe(200);
    const body = (await settings.json()) as { enabled: boolean; events: Record<string, { enabled: boolean }>; userProperties: Record<string, { enabled: boolean }> };
    expect(body.enabled).toBe(true);
    expect(Object.values(body.events).every((e) => e.enabled)).toBe(true);
    expect(Object.values(body.userProperties).every((p) => p.enabled)).toBe(true);

    // The simulator's events reach the server…
    await eventually(
      async () => {
        const res = await fetch(`${dashboard}api/v1/apps/${appId}/events?limit=5`, { headers: { authorization: `Bearer ${token}` } });
        const list = (await res.json()) as { items?: unknown[] };
        return list.items && list.items.length > 0 ? true : null;
      },
      20_000,
      'events stored by the server',
    );
    // …and, processed and delivered, the emulator.
    const stored = await eventually(
      async () => {
        const res = (await (await fetch(records!)).json()) as { records: { account: string; record: { type: string } }[] };
        return res.records.length > 0 ? res.records : null;
      },
      20_000,
      'records at the CleverTap emulator',
    );
    expect(stored.every((r) => r.account === 'DEMO-ACCOUNT')).toBe(true);
    expect(stored.some((r) => r.record.type === 'event')).toBe(true);

    child.kill('SIGINT');
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
    expect(code).toBe(0);
    expect(out).toContain('demo stopped:');
  }, 90_000);
});
