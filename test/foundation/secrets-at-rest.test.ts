import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';

const WEBHOOK_SECRET = 'purchasely-secret-Zq81hfE0xN';
const NEXT_SECRET = 'purchasely-rotated-77AbCdEfGh';

/** Every stored byte, as text: the SQLite files, or every table of the PostgreSQL schema. */
async function everythingStored(t: TestContext): Promise<string> {
  if (t.db.dialect === 'sqlite') {
    return readdirSync(t.db.dir)
      .filter((f) => f.startsWith('pcbridge.db'))
      .map((f) => readFileSync(join(t.db.dir, f)).toString('latin1'))
      .join('\n');
  }
  const tables = await t.ctx.store.db.all<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()');
  const dumps: string[] = [];
  for (const { table_name } of tables) {
    const rows = await t.ctx.store.db.all(`SELECT * FROM ${table_name}`);
    dumps.push(JSON.stringify(rows));
  }
  return dumps.join('\n');
}

describe.each(DIALECTS)('secrets at rest on %s', (dialect) => {
  const api = useTestApi(dialect);

  it('stores webhook secrets encrypted and SDK keys only as a keyed digest, and never returns either', async () => {
    const created = (await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Vault', webhookSecret: WEBHOOK_SECRET } })).json();
    await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${created.id}/webhook-secret`, headers: AUTH, payload: { secret: NEXT_SECRET } });
    const rotated = (await api.app.inject({ method: 'POST', url: `/api/v1/apps/${created.id}/sdk-key/rotate`, headers: AUTH })).json();

    const stored = await everythingStored(api.t);
    expect(stored).toContain(created.id);
    expect(stored).toContain('v1:');
    for (const secret of [WEBHOOK_SECRET, NEXT_SECRET, created.sdkKey, rotated.sdkKey]) {
      expect(stored).not.toContain(secret);
    }
    const row = await api.t.ctx.store.apps.get(created.id);
    expect(row!.webhookSecretEnc).toMatch(/^v1:/);
    expect(api.t.ctx.secrets.decrypt(row!.webhookSecretEnc)).toBe(NEXT_SECRET);

    const responses = [
      await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: AUTH }),
      await api.app.inject({ method: 'GET', url: `/api/v1/apps/${created.id}`, headers: AUTH }),
      await api.app.inject({ method: 'PATCH', url: `/api/v1/apps/${created.id}`, headers: AUTH, payload: { name: 'Vault 2' } }),
    ];
    for (const res of responses) {
      for (const secret of [WEBHOOK_SECRET, NEXT_SECRET, created.sdkKey, rotated.sdkKey]) expect(res.body).not.toContain(secret);
    }
  });
});
