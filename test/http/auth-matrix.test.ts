/**
 * The auth matrix: every route × every kind of credential, with the status class each must
 * get. Admin routes take the admin token (bearer) or the session cookie and nothing else; the
 * SDK key opens `PUT …/attributes` only; the login route takes the token in its body; the
 * webhook answers to its signature alone; health checks are open. The last column is an
 * address throttled by failed guesses, sending the right credential: 429 wherever a credential
 * is checked, the SPEC answer everywhere else.
 *
 * Set PCBRIDGE_AUTH_MATRIX=<file> to write the observed table there as Markdown.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { TEST_ADMIN_TOKEN } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp } from '../processing/helpers.js';

const COLUMNS = ['none', 'wrong token', 'SDK key', 'cookie', 'bearer', 'throttled + bearer'] as const;
type Column = (typeof COLUMNS)[number];
type Kind = 'admin' | 'sdk' | 'login' | 'open' | 'signature';

/** Routes not in the OpenAPI document (hidden there on purpose). */
const HIDDEN: [string, string][] = [
  ['GET', '/metrics'],
  ['GET', '/docs'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
];

function kindOf(method: string, path: string): Kind {
  if (method === 'POST' && path === '/api/v1/session') return 'login';
  if ((method === 'DELETE' && path === '/api/v1/session') || path === '/healthz' || path === '/readyz') return 'open';
  if (method === 'PUT' && path === '/api/v1/apps/{appId}/users/{userKey}/attributes') return 'sdk';
  if (path.startsWith('/webhooks/')) return 'signature';
  return 'admin';
}

/** What a cell must be: an exact status, or "authenticated" (any answer past the credential check). */
function expected(kind: Kind, column: Column): number | 'authenticated' {
  if (kind === 'signature') return 401;
  if (kind === 'open') return 'authenticated';
  if (column === 'throttled + bearer') return 429;
  if (kind === 'login') return column === 'bearer' ? 204 : column === 'wrong token' || column === 'SDK key' ? 401 : 422;
  if (column === 'cookie' || column === 'bearer') return 'authenticated';
  if (column === 'SDK key' && kind === 'sdk') return 'authenticated';
  return 401;
}

/** Bodies that make the authenticated answer a success where one is possible. */
function bodyFor(method: string, path: string): unknown {
  if (method === 'GET' || method === 'HEAD') return undefined;
  if (path === '/api/v1/apps') return { name: 'Matrix', webhookSecret: 'matrix-secret' };
  if (path === '/api/v1/apps/{appId}') return { name: 'Matrix renamed' };
  if (path.endsWith('/webhook-secret')) return { secret: 'matrix-secret-2' };
  if (path.endsWith('/attributes')) return { clevertap_id: '__matrix1' };
  return {};
}

describe.each(DIALECTS)('the auth matrix (%s)', (dialect) => {
  // No CleverTap call may leave the test: point them at a closed local port.
  const api = useTestApi(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9' } });
  let addresses = 0;
  /** A fresh source address per request, so guesses in one cell never throttle another. */
  const nextAddress = () => {
    addresses += 1;
    return `10.${Math.floor(addresses / 250) % 250}.${addresses % 250}.1`;
  };

  it('answers every route × credential as the SPEC says', async () => {
    await api.app.ready();
    const doc = api.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes: [string, string][] = [
      ...Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), path] as [string, string])),
      ...HIDDEN,
    ];
    expect(routes.length).toBeGreaterThanOrEqual(25);

    const throttled = '192.0.2.66';
    for (let i = 0; i < 20; i += 1) {
      await api.app.inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: throttled, headers: { authorization: 'Bearer a-wrong-guess' } });
    }

    const table: { route: string; kind: Kind; cells: Record<Column, number> }[] = [];
    const wrongCells: string[] = [];
    for (const [method, path] of routes) {
      const kind = kindOf(method, path);
      const { appId, sdkKey } = await createTestApp(api.t.ctx);
      const url = path
        .replace('{appId}', appId)
        .replace('{userKey}', 'user-1')
        .replace('{eventId}', 'evt-1')
        .replace(/\{[^}]+\}/g, 'x');
      const login = await api.app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: nextAddress(), payload: { token: TEST_ADMIN_TOKEN } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const body = bodyFor(method, path);
      const cells = {} as Record<Column, number>;
      for (const column of COLUMNS) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        let payload = body;
        if (column === 'wrong token') headers.authorization = 'Bearer not-the-admin-token-0000';
        if (column === 'SDK key') headers['x-api-key'] = sdkKey;
        if (column === 'cookie') headers.cookie = cookie;
        if (column === 'bearer' || column === 'throttled + bearer') headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
        if (kind === 'login') {
          const token = {
            none: undefined,
            'wrong token': 'not-the-admin-token-0000',
            'SDK key': sdkKey,
            cookie: undefined,
            bearer: TEST_ADMIN_TOKEN,
            'throttled + bearer': TEST_ADMIN_TOKEN,
          }[column];
          payload = token === undefined ? {} : { token };
        }
        const res = await api.app.inject({
          method: method as 'GET',
          url,
          remoteAddress: column === 'throttled + bearer' ? throttled : nextAddress(),
          headers: payload === undefined ? Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'content-type')) : headers,
          ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
        });
        cells[column] = res.statusCode;
        const want = expected(kind, column);
        const ok = want === 'authenticated' ? res.statusCode < 500 && ![401, 403, 429].includes(res.statusCode) : res.statusCode === want;
        if (!ok) wrongCells.push(`${method} ${path} [${column}]: ${res.statusCode} ${res.body.slice(0, 160)} (expected ${want})`);
        if (res.statusCode === 401 && !res.json().error?.code) wrongCells.push(`${method} ${path} [${column}]: 401 without an error code`);
      }
      table.push({ route: `${method} ${path}`, kind, cells });
    }

    if (process.env.PCBRIDGE_AUTH_MATRIX) {
      const lines = [
        `| route (${dialect}) | kind | ${COLUMNS.join(' | ')} |`,
        `|---|---|${COLUMNS.map(() => '---').join('|')}|`,
        ...table.map((row) => `| \`${row.route}\` | ${row.kind} | ${COLUMNS.map((c) => row.cells[c]).join(' | ')} |`),
      ];
      writeFileSync(`${process.env.PCBRIDGE_AUTH_MATRIX}.${dialect}.md`, `${lines.join('\n')}\n`);
    }
    expect(wrongCells).toEqual([]);
  });
});
