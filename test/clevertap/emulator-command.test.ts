import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerEmulatorCommand } from '../../tools/clevertap-emulator/command.js';

const harness = fileURLToPath(new URL('./fixtures/emulator-cli.ts', import.meta.url));

/** Parses args against a fresh program that throws instead of exiting. */
function parse(args: string[]): CommanderError | null {
  const program = new Command('pcbridge').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerEmulatorCommand(program);
  const cmd = program.commands.find((c) => c.name() === 'emulator')?.commands.find((c) => c.name() === 'clevertap');
  cmd?.action(() => {}); // parse only, do not start a server
  try {
    program.parse(['emulator', 'clevertap', ...args], { from: 'user' });
    return null;
  } catch (err) {
    if (err instanceof CommanderError) return err;
    throw err;
  }
}

function helpText(): string {
  const program = new Command('pcbridge');
  registerEmulatorCommand(program);
  const cmd = program.commands.find((c) => c.name() === 'emulator')?.commands.find((c) => c.name() === 'clevertap');
  return cmd?.helpInformation() ?? '';
}

describe('emulator clevertap command', () => {
  it('documents every option in --help', () => {
    const help = helpText();
    for (const flag of [
      '--port',
      '--account',
      '--latency',
      '--error-rate',
      '--throttle-rate',
      '--timeout-rate',
      '--drop-rate',
      '--all-401',
      '--fault-mode',
      '--max-concurrency',
      '--no-inferred-rules',
    ]) {
      expect(help).toContain(flag);
    }
  });

  it.each([
    [['--error-rate', '2']],
    [['--throttle-rate', 'lots']],
    [['--timeout-rate', '-0.1']],
    [['--drop-rate', '']],
    [['--port', '70000']],
    [['--latency', '1.5']],
    [['--max-concurrency', '0']],
    [['--fault-mode', 'during']],
    [['--account', 'only-an-id']],
    [['--account', 'ID:PASS:mars']],
  ])('rejects %j with exit code 2', (args) => {
    const err = parse(args);
    expect(err?.exitCode).toBe(2);
    expect(err?.code).toBe('commander.invalidArgument');
  });

  it('accepts well-formed options', () => {
    expect(parse(['--port', '0', '--account', 'A:p', '--account', 'B:q:us1', '--error-rate', '0.1', '--fault-mode', 'after', '--no-inferred-rules'])).toBeNull();
  });

  it('prints one clear line and exits 2 on a bad value when run as a program', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', harness, 'emulator', 'clevertap', '--error-rate', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--error-rate.*0 to 1/);
  });

  it('serves uploads for the given account and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', harness, 'emulator', 'clevertap', '--port', '0', '--account', 'CLI-ACC:cli-pass'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('close', () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect(stdout).not.toContain('cli-pass');
    const res = await fetch(`${url}/1/upload`, {
      method: 'POST',
      headers: { 'x-clevertap-account-id': 'CLI-ACC', 'x-clevertap-passcode': 'cli-pass' },
      body: '{"d":[]}',
    });
    expect(res.status).toBe(200);
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
  });
});
