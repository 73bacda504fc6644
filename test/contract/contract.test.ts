/**
 * One API contract (src/contract/): it imports nothing from the server, the routes take their
 * types from it instead of casting, every error code the API answers comes from its list, and
 * the OpenAPI document the bridge serves is built from it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODE_LIST, ERROR_CODES, errorCodeOfStatus } from '../../src/contract/error-codes.js';
import * as contract from '../../src/contract/index.js';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';

const SRC = new URL('../../src/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, SRC), 'utf8');
const filesOf = (dir: string) =>
  readdirSync(new URL(dir, SRC))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}${f}`);
const importsOf = (path: string) => [...read(path).matchAll(/from '([^']+)'/g)].map((m) => m[1]!);

/** The modules of constants and pure functions outside src/contract/ that it may re-export. */
const PURE_MODULES = ['clevertap/regions.ts', 'purchasely/catalog.ts', 'purchasely/payload.ts', 'purchasely/signature.ts'];

describe('the contract module', () => {
  it('imports only TypeBox, its own files and modules of pure constants', () => {
    for (const file of filesOf('contract/')) {
      for (const target of importsOf(file)) {
        const pure = PURE_MODULES.map((m) => `../${m.replace(/\.ts$/, '.js')}`);
        expect(target === '@sinclair/typebox' || /^\.\/[a-z-]+\.js$/.test(target) || pure.includes(target), `${file} imports ${target}`).toBe(true);
      }
    }
  });

  it('reaches no server code through those modules (they import only each other and node:crypto)', () => {
    const helpers = ['purchasely/money-attributes.ts', 'purchasely/storable-text.ts'];
    for (const file of [...PURE_MODULES, ...helpers]) {
      for (const target of importsOf(file)) expect(target === 'node:crypto' || /^\.\/[a-z-]+\.js$/.test(target), `${file} imports ${target}`).toBe(true);
    }
    for (const file of helpers) for (const target of importsOf(file)) expect(target).not.toMatch(/^\.\.\//);
  });

  it('names its request and response schemas XxxIn / XxxOut, or XxxQuery / XxxParams', () => {
    const names = Object.keys(contract).filter((name) => /^[A-Z][a-z]/.test(name) && typeof (contract as Record<string, unknown>)[name] === 'object');
    const schemas = names.filter(
      (name) =>
        'type' in ((contract as Record<string, unknown>)[name] as object) ||
        'anyOf' in ((contract as Record<string, unknown>)[name] as object) ||
        'allOf' in ((contract as Record<string, unknown>)[name] as object),
    );
    expect(schemas.length).toBeGreaterThan(30);
    const misnamed = schemas.filter((name) => !/(In|Out|Query|Params|Param|Schema|NoContent)$/.test(name) && !['Nullable', 'DateTime'].includes(name));
    expect(misnamed).toEqual([]);
  });
});

describe('the routes', () => {
  it('cast no request part: params, query and body are typed from their schemas', () => {
    for (const file of filesOf('http/routes/api/')) {
      const source = read(file);
      expect(source, file).not.toMatch(/as Static</);
      expect(source, file).not.toMatch(/request\.(params|query|body)\)? as /);
    }
  });

  it('declare no request or response schema of their own: each comes from the contract', () => {
    for (const file of filesOf('http/routes/api/')) {
      expect(read(file), file).not.toMatch(/^(export )?const [A-Z]\w*(In|Out|Query) = /m);
      expect(read(file), file).not.toMatch(/@sinclair\/typebox/);
    }
  });
});

describe('the error codes', () => {
  it('name every refusal by status with a code of the list that has that status (else bad_request)', () => {
    for (const status of Object.keys(STATUS_CODES)
      .map(Number)
      .filter((s) => s >= 400 && s < 600)) {
      const code = errorCodeOfStatus(status);
      expect(ERROR_CODE_LIST).toContain(code);
      if (code !== 'bad_request') expect(ERROR_CODES[code]).toBe(status);
    }
    expect(errorCodeOfStatus(400)).toBe('bad_request');
    expect(errorCodeOfStatus(414)).toBe('uri_too_long');
    expect(errorCodeOfStatus(431)).toBe('request_header_fields_too_large');
    expect(errorCodeOfStatus(408)).toBe('request_timeout');
  });

  it('are not written anywhere else in the HTTP layer', () => {
    for (const file of ['http/app.ts', ...filesOf('http/plugins/')]) {
      for (const match of read(file).matchAll(/code: '([a-z_]+)'/g)) expect(ERROR_CODE_LIST, `${file}: ${match[1]}`).toContain(match[1]);
    }
  });
});

describe('the OpenAPI document', () => {
  let t: TestContext;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
    app = await buildApp(t.ctx);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('lists the error codes of the envelope and the contract schemas of the routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    type ErrorSchema = { title?: string; properties: { error: { properties: { code: { enum: string[] } } } } };
    const doc = res.json() as {
      components: { schemas: Record<string, ErrorSchema> };
      paths: Record<string, Record<string, { responses: Record<string, { content: { 'application/json': { schema: unknown } } }> }>>;
    };
    // @fastify/swagger names shared schemas def-<n> and keeps their $id as the title.
    const envelope = Object.values(doc.components.schemas).find((schema) => schema.title === 'ErrorOut');
    expect(envelope?.properties.error.properties.code.enum).toEqual(ERROR_CODE_LIST);
    const listed = doc.paths['/api/v1/apps/{appId}']!.get!.responses['200']!.content['application/json'].schema as { properties: Record<string, unknown> };
    expect(Object.keys(listed.properties).sort()).toEqual(Object.keys(contract.AppOut.properties).sort());
  });
});
