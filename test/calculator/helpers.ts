import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Calculator, type CalculatorOptions, createCalculator } from '../../examples/calculator/calculator.js';
import { CalcError } from '../../examples/calculator/errors.js';
import type { OperatorSpec } from '../../examples/calculator/operators.js';
import { onCleanup, repoRoot, tempDir } from '../helpers/fixtures.js';

export const bundledPlugins = join(repoRoot, 'examples', 'calculator', 'plugins');

/** The bundled operators as plain specs, for the pure parser tests. */
export const BUNDLED_SPECS: readonly OperatorSpec[] = [
  { symbol: '+', precedence: 1, associativity: 'left', arity: 2 },
  { symbol: '-', precedence: 1, associativity: 'left', arity: 2 },
  { symbol: '*', precedence: 2, associativity: 'left', arity: 2 },
  { symbol: '/', precedence: 2, associativity: 'left', arity: 2 },
  { symbol: '%', precedence: 2, associativity: 'left', arity: 2 },
  { symbol: '-', precedence: 3, associativity: 'right', arity: 1 },
  { symbol: '^', precedence: 4, associativity: 'right', arity: 2 },
];

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI with `args`, feeding it `stdin` through a pipe; resolves when it exits. */
export function runCli(args: readonly string[], stdin = ''): Promise<CliRun> {
  return run(process.execPath, ['--import', 'tsx', 'examples/calculator/cli.ts', ...args], stdin);
}

/** Runs `npm` with `args` from the root of the clone, as a reader would. */
export function runNpm(args: readonly string[]): Promise<CliRun> {
  return run('npm', args, '');
}

function run(command: string, args: readonly string[], stdin: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // After `:quit` the CLI stops reading; input still in the pipe then fails with EPIPE, which is fine.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** The CalcError `run` throws; fails the test if it throws nothing or something else. */
export function calcErrorOf(run: () => unknown): CalcError {
  try {
    run();
  } catch (error) {
    if (error instanceof CalcError) return error;
    throw error;
  }
  throw new Error('expected a CalcError, but nothing was thrown');
}

/** The CalcError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<CalcError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome && outcome.error instanceof CalcError) return outcome.error;
  if ('error' in outcome) throw outcome.error;
  throw new Error(`expected a CalcError, got ${String(outcome.value)}`);
}

/** The non-empty lines of some output. */
export function lines(output: string): string[] {
  return output.split('\n').filter((line) => line !== '');
}

/** An empty plugins folder in a fresh temporary directory, with no package.json or node_modules above it. */
export function pluginsFolder(): string {
  const plugins = join(tempDir('calculator-test-'), 'plugins');
  mkdirSync(plugins);
  return plugins;
}

/** A plugins folder (see `pluginsFolder`) holding copies of the named bundled plugins, or of all. */
export function copyBundledPlugins(options: { only?: readonly string[] } = {}): string {
  const plugins = pluginsFolder();
  if (options.only === undefined) cpSync(bundledPlugins, plugins, { recursive: true });
  for (const name of options.only ?? []) cpSync(join(bundledPlugins, name), join(plugins, name), { recursive: true });
  return plugins;
}

/** Writes a plugin folder: `plugin.json` from `manifest` (or raw text), and `index.js`. */
export function writePlugin(dir: string, folder: string, manifest: Record<string, unknown> | string, code = ''): void {
  const path = join(dir, folder);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'plugin.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  writeFileSync(join(path, 'index.js'), code);
}

/** A calculator closed after the test. */
export async function testCalculator(options: CalculatorOptions = {}): Promise<Calculator> {
  const calculator = await createCalculator(options);
  onCleanup(async () => {
    await calculator.close();
  });
  return calculator;
}
