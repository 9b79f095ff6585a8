import { statSync } from 'node:fs';
import type { IsolationMode } from 'plugboard';
import { ISOLATION_MODES } from './calculator.js';

// What the command line may hold besides an expression, checked before any plugin loads.

export const USAGE_ERROR_CODES = [
  /** An argument such as `-x` or `--name` that is not an option of the calculator. */
  'UNKNOWN_OPTION',
  /** An option that takes a value came last, without one: `calc --plugins`. */
  'OPTION_VALUE_MISSING',
  /** `--plugins DIR` where DIR is not a directory. */
  'PLUGINS_NOT_FOUND',
  /** `--isolation` other than `inline`, `worker` or `process`. */
  'ISOLATION_INVALID',
  /** `--timeout` that is not a whole number of milliseconds from 1 to 2^31 - 1. */
  'TIMEOUT_INVALID',
] as const;

export type UsageErrorCode = (typeof USAGE_ERROR_CODES)[number];

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: UsageErrorCode;

  constructor(code: UsageErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// An argument like `-x` or `--name` is an option; `-2 ^ 2` or `-(1)` is an expression.
const OPTION_LIKE = /^--?[A-Za-z]/;
// Node's timers hold at most 2^31 - 1 ms; a longer delay would fire after 1 ms instead.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
// Digits only: `1e3`, `0x10`, ` 5` and `5.0` are all refused, so what runs is what was typed.
const WHOLE_NUMBER = /^\d+$/;

/** The first argument that looks like an option but is none, unless it came after `--`. */
export function checkArguments(args: readonly string[], argv: readonly string[]): void {
  const dashes = argv.indexOf('--');
  const afterDashes = new Set(dashes === -1 ? [] : argv.slice(dashes + 1));
  const unknown = args.find((arg) => OPTION_LIKE.test(arg) && !afterDashes.has(arg));
  if (unknown !== undefined) {
    throw new UsageError(
      'UNKNOWN_OPTION',
      `unknown option \`${unknown}\` (write an expression that starts with a word after --)`,
    );
  }
}

export function checkPluginDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    if (!isDirectory(dir)) throw new UsageError('PLUGINS_NOT_FOUND', `--plugins ${dir}: no such directory`);
  }
}

export function parseIsolation(value: string): IsolationMode {
  const mode = ISOLATION_MODES.find((known) => known === value);
  if (mode === undefined) {
    throw new UsageError(
      'ISOLATION_INVALID',
      `--isolation must be one of ${ISOLATION_MODES.join(', ')}, got \`${value}\``,
    );
  }
  return mode;
}

export function parseTimeout(value: string): number {
  const ms = WHOLE_NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) {
    throw new UsageError(
      'TIMEOUT_INVALID',
      `--timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got \`${value}\``,
    );
  }
  return ms;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
