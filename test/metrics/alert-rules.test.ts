/**
 * docs/prometheus-alerts.yml is valid for Prometheus: `promtool check rules` (Debian's
 * `prometheus` package) accepts it. Skipped only on a machine without promtool, unless CI asks
 * for the tools (PCBRIDGE_REQUIRE_TOOLS=1 or PCBRIDGE_REQUIRE_BROWSER=1): then it fails instead.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RULES = fileURLToPath(new URL('../../docs/prometheus-alerts.yml', import.meta.url));
const required = process.env.PCBRIDGE_REQUIRE_TOOLS === '1' || process.env.PCBRIDGE_REQUIRE_BROWSER === '1';
const available = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

describe('the Prometheus alert rules', () => {
  it.skipIf(!available && !required)('pass `promtool check rules`', () => {
    expect(available, 'promtool is missing: apt-get install prometheus (CI requires it)').toBe(true);
    const run = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/SUCCESS: 7 rules found/);
  });
});
