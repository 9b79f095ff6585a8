#!/usr/bin/env node
// The plugboard command: a thin wrapper over the public API.
import { Command } from 'commander';
import { PLUGBOARD_VERSION, type ScanResult, scanPlugins, WATCH_DEBOUNCE_MS } from '../index.js';
import { type DevOptions, dev } from './dev.js';

interface Output {
  readonly json?: boolean;
}

async function scanAll(directories: readonly string[]): Promise<ScanResult[]> {
  return (await Promise.all(directories.map((directory) => scanPlugins(directory)))).flat();
}

function describe(result: ScanResult): string {
  if (result.ok) {
    const { name, version, provides } = result.manifest;
    return `ok    ${name}@${version}  provides ${Object.keys(provides).join(', ') || 'nothing'}  (${result.path})`;
  }
  return `fail  ${result.path}\n      ${result.error.code}: ${result.error.message}`;
}

function toJson(result: ScanResult): Record<string, unknown> {
  return result.ok
    ? { ok: true, path: result.path, entry: result.entry, manifest: result.manifest }
    : { ok: false, path: result.path, error: result.error.toJSON() };
}

async function report(directories: readonly string[], options: Output, failOnProblems: boolean): Promise<void> {
  const results = await scanAll(directories);
  if (options.json === true) process.stdout.write(`${JSON.stringify(results.map(toJson), null, 2)}\n`);
  else for (const result of results) process.stdout.write(`${describe(result)}\n`);
  if (failOnProblems && results.some((result) => !result.ok)) process.exitCode = 1;
}

const program = new Command('plugboard')
  .description('Typed, isolated, hot-reloadable plugins for Node.js')
  .version(PLUGBOARD_VERSION)
  .showHelpAfterError();

program
  .command('list')
  .description('list the plugins in directories, reading manifests only (no plugin code runs)')
  .argument('<directories...>', 'plugin directories')
  .option('--json', 'print JSON')
  .action((directories: string[], options: Output) => report(directories, options, false));

program
  .command('validate')
  .description('check manifests and entry files without running plugin code; exits 1 on any problem')
  .argument('<directories...>', 'plugin directories')
  .option('--json', 'print JSON')
  .action((directories: string[], options: Output) => report(directories, options, true));

program
  .command('dev')
  .description(
    'run a host over a plugin folder (or a folder of them) in watch mode, printing each load, reload, failure and unload with timings; stops on Ctrl-C',
  )
  .argument('<dir>', 'a plugin folder, or a folder of plugin folders')
  .option('--contracts <module>', "a JavaScript module whose defineContract() exports are the host's contracts")
  .option('--isolation <mode>', 'inline, worker or process: the weakest mode a plugin runs in', 'inline')
  .option(
    '--debounce <ms>',
    'how long a plugin folder must be quiet before acting on a change',
    String(WATCH_DEBOUNCE_MS),
  )
  .option('--json', 'print one JSON object per line')
  .action(async (dir: string, options: DevOptions) => process.exit(await dev(dir, options)));

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`plugboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
