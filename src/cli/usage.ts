import { ISOLATION_MODES, type IsolationMode } from '../index.js';

// What is wrong with a command line itself, found before a host starts. Problems a host finds
// (WATCH_PATH_INVALID...) keep their PluginError codes.

export type UsageErrorCode =
  /** `--isolation` other than `inline`, `worker` or `process`. */
  | 'ISOLATION_INVALID'
  /** `--debounce` that is not a whole number of milliseconds. */
  | 'DEBOUNCE_INVALID'
  /** `--contracts MODULE` that cannot be imported: missing, a syntax error, or it throws. */
  | 'CONTRACTS_MODULE_UNREADABLE'
  /** `--contracts MODULE` that exports nothing made by defineContract. */
  | 'CONTRACTS_MODULE_EMPTY';

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: UsageErrorCode;

  constructor(code: UsageErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// Node's timers hold at most 2^31 - 1 ms.
const MAX_DELAY_MS = 2 ** 31 - 1;

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

export function parseDebounce(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(ms <= MAX_DELAY_MS)) {
    throw new UsageError(
      'DEBOUNCE_INVALID',
      `--debounce must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}, got \`${value}\``,
    );
  }
  return ms;
}
