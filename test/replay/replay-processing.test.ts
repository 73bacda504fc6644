import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { importEvents } from '../../src/import/index.js';
import { saveIntegrationSettings } from '../../src/settings/integration-settings-service.js';
import { processBatch } from '../../src/processing/process-batch.js';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../../src/purchasely/catalog.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const ACTIVATE = readFileSync(`${PURCHASELY_FIXTURE_DIR}/ACTIVATE.json`, 'utf8');
const ACTIVATE_ID = '5e45109f-7fac-45f8-a7e4-464892d5d35d';

describe.each(DIALECTS)('replay with processing on %s', (dialect) => {
  const api = useTestApi(dialect);
  let appId: string;

  beforeAll(async () => {
    appId = (await createApp(api.t.ctx, { name: 'Replay e2e', webhookSecret: 's' })).id;
    await saveIntegrationSettings(
      api.t.ctx,
      appId,
      {
        enabled: true,
        region: 'eu1',
        accountId: 'W9R-486-4W5Z',
        passcode: 'passcode',
        sandbox: 'same_account',
        events: Object.fromEntries(EVENT_CATALOG.map((e) => [e.name, { enabled: true }])),
        userProperties: Object.fromEntries(USER_PROPERTY_CATALOG.map((p) => [p.name, { enabled: true }])),
      },
      'put',
    );
  });

  const records = () =>
    api.t.ctx.store.db.all<{ kind: string; generation: number; state: string }>('SELECT kind, generation, state FROM records WHERE app_id = ? AND event_id = ? ORDER BY id', [
      appId,
      ACTIVATE_ID,
    ]);
  const processAll = async () => {
    while ((await processBatch(api.t.ctx, { limit: 100 })).processed > 0);
  };

  it('a replayed failed event is processed again into a new generation of records; the failed ones stay', async () => {
    await importEvents(api.t.ctx, { appId, lines: [{ lineNumber: 1, text: ACTIVATE }] });
    await processAll();
    const first = await records();
    expect(first.length).toBeGreaterThan(0);
    const firstGeneration = first[0]!.generation;
    expect(first.every((r) => r.generation === firstGeneration)).toBe(true);

    // Delivery gave up on them.
    await api.t.ctx.store.db.run(`UPDATE records SET state = 'failed' WHERE app_id = ? AND event_id = ?`, [appId, ACTIVATE_ID]);
    await api.t.ctx.store.db.run(`UPDATE events SET status = 'failed' WHERE app_id = ? AND event_id = ?`, [appId, ACTIVATE_ID]);

    const res = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/replay`, headers: AUTH, payload: { status: ['failed'] } });
    expect(res.json()).toEqual({ requeued: 1 });
    await processAll();

    const all = await records();
    expect(all.slice(0, first.length).every((r) => r.state === 'failed' && r.generation === firstGeneration)).toBe(true);
    const replayed = all.slice(first.length);
    expect(replayed.map((r) => r.kind)).toEqual(first.map((r) => r.kind));
    expect(replayed.every((r) => r.generation === firstGeneration + 1 && r.state !== 'failed')).toBe(true);
    const event = await api.t.ctx.store.db.get<{ status: string }>('SELECT status FROM events WHERE app_id = ? AND event_id = ?', [appId, ACTIVATE_ID]);
    expect(event!.status).not.toBe('received');
    expect(event!.status).not.toBe('failed');
  });
});
