import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { getIntegrationSettings, saveIntegrationSettings } from '../../settings/integration-settings-service.js';
import { createLogger } from '../../logger.js';
import { openContext } from '../../runtime/runtime.js';
import { EXIT_USAGE, UsageError } from '../exit.js';

interface SetOptions {
  app: string;
  file: string;
  passcodeFile?: string;
  sandboxPasscodeFile?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A passcode file holds the passcode alone; the newline an editor or `echo` adds is not part of it. */
function readPasscode(path: string, option: string): string {
  const passcode = readText(path, option).replace(/\r?\n$/, '');
  if (passcode === '') throw new UsageError(`${option}: ${path} is empty`);
  return passcode;
}

/** The settings file as a merge patch, with the passcodes from their own files. */
export function readSettingsPatch(opts: SetOptions): Record<string, unknown> {
  const text = readText(opts.file, '--file');
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--file: ${opts.file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new UsageError(`--file: ${opts.file} must hold a JSON object (a merge patch of the settings)`);
  }
  const out = patch as Record<string, unknown>;
  if (opts.passcodeFile !== undefined) {
    if ('passcode' in out) throw new UsageError('--passcode-file: the settings file has a "passcode" too; give it once');
    out.passcode = readPasscode(opts.passcodeFile, '--passcode-file');
  }
  if (opts.sandboxPasscodeFile !== undefined) {
    const sandbox = out.sandboxAccount;
    if (sandbox !== undefined && (typeof sandbox !== 'object' || sandbox === null || Array.isArray(sandbox))) {
      throw new UsageError('--sandbox-passcode-file: "sandboxAccount" in the settings file is not an object');
    }
    if (sandbox && 'passcode' in sandbox) throw new UsageError('--sandbox-passcode-file: the settings file has a "sandboxAccount.passcode" too; give it once');
    out.sandboxAccount = { ...(sandbox ?? {}), passcode: readPasscode(opts.sandboxPasscodeFile, '--sandbox-passcode-file') };
  }
  return out;
}

/** Opens the database like the other data commands; logs go to stderr, stdout carries the JSON. */
async function withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, {}, 'tool');
  const { ctx } = await openContext(config, { logger: createLogger(config.logLevel, { fd: 2 }) });
  try {
    return await run(ctx);
  } catch (err) {
    // A wrong app id is a wrong argument (exit 2), as in `replay`.
    if (err instanceof AppError && err.code === 'not_found') throw new UsageError(err.message);
    throw err;
  } finally {
    await ctx.store.close();
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `pcbridge integration get|set`: the CleverTap integration settings of an app, for people who
 * script their setup. Same loading, validation and saving as `GET` / `PATCH
 * /api/v1/apps/{appId}/integrations/clevertap`, straight on DATABASE_URL; a running server
 * uses the new settings for the events it processes next.
 */
export function registerIntegrationCommand(program: Command): void {
  const integration = program.command('integration').description("Show or change an app's CleverTap integration settings (acts on DATABASE_URL directly)");
  integration
    .command('get')
    .description('Print the settings as JSON (never a passcode: passcodeSet says whether one is stored)')
    .requiredOption('--app <id>', 'app id')
    .action(async (opts: { app: string }) => {
      printJson(await withContext((ctx) => getIntegrationSettings(ctx, opts.app)));
    });
  integration
    .command('set')
    .description(
      'Apply a JSON file to the settings as a merge patch (RFC 7396: members given replace, null resets to the default, ' +
        'omitted ones stay), validated like the API; prints the new settings. Exit 2 with every invalid field named.',
    )
    .requiredOption('--app <id>', 'app id')
    .requiredOption('--file <settings.json>', 'the patch, e.g. {"enabled": true, "region": "eu1", "accountId": "W9R-…", "events": {"ACTIVATE": {"enabled": true}}}')
    .option('--passcode-file <file>', 'a file holding the CleverTap passcode (write-only; an omitted passcode keeps the stored one)')
    .option('--sandbox-passcode-file <file>', "a file holding the sandbox account's passcode")
    .action(async (opts: SetOptions) => {
      const patch = readSettingsPatch(opts);
      try {
        printJson(await withContext((ctx) => saveIntegrationSettings(ctx, opts.app, patch, 'patch')));
      } catch (err) {
        if (err instanceof AppError && err.code === 'validation_failed') {
          const lines = (err.details ?? []).map((d) => `  ${d.path || '(settings)'}: ${d.message}`);
          process.stderr.write(`pcbridge: ${err.message.replace(/: see details\.?$/, '')}; nothing was saved:\n${lines.join('\n')}\n`);
          process.exit(EXIT_USAGE);
        }
        throw err;
      }
    });
}
