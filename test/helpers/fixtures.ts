import { fileURLToPath } from 'node:url';

/** Purchasely's documented example payloads (verbatim copies, see test/fixtures/README.md). */
export const PURCHASELY_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/purchasely/', import.meta.url)).replace(/\/$/, '');
