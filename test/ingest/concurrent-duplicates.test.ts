import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixtureBytes, signedHeaders, storedEvents, useHarness } from './helpers.js';

const SECRET = 'purchasely-shared-secret';

describe.each(DIALECTS)('1,000 concurrent deliveries of one event on %s', (dialect) => {
  const h = useHarness(dialect, { secret: SECRET });

  it('store exactly one event with duplicates = 999, every delivery answered 200', async () => {
    const body = loadFixtureBytes('SUBSCRIPTION_STARTED');
    const headers = signedHeaders(SECRET, body);
    const pool = new Pool(h.baseUrl, { connections: 1000 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, async () => {
          const res = await pool.request({ method: 'POST', path: `/webhooks/purchasely/${h.appId}`, body, headers });
          await res.body.dump();
          return res.statusCode;
        }),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(1000);
    } finally {
      await pool.close();
    }
    const rows = await storedEvents(h.t, h.appId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_id: '1a03612c-4960-40be-bc69-eeab14f9c6e9', duplicates: 999, status: 'received' });
  });
});
