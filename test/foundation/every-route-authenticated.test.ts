import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';

/** Routes open without the admin token by design (SPEC §2). */
const OPEN = new Set(['POST /api/v1/session', 'DELETE /api/v1/session']);

describe('admin authentication', () => {
  const api = useTestApi('sqlite');
  beforeAll(async () => {
    await api.app.ready();
  });

  it('guards every /api/v1 route of the OpenAPI document, whatever routes exist', async () => {
    const doc = api.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1')) continue;
      for (const method of Object.keys(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (OPEN.has(key)) continue;
        const url = path.replace(/\{[^}]+\}/g, 'x');
        const res = await api.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { 'content-type': 'application/json' },
          payload: method === 'get' ? undefined : '{}',
        });
        expect(res.statusCode, key).toBe(401);
        expect(res.json().error.code, key).toBe('unauthorized');
        checked.push(key);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(7);
  });
});
