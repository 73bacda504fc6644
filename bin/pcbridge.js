#!/usr/bin/env node
// The `pcbridge` command: runs the compiled CLI when built (npm start builds it), else the
// TypeScript sources through tsx (a development checkout).
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/src/cli/main.js', root);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('src/cli/main.ts', root).href);
}
