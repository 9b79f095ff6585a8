import type { PluginError } from 'plugboard';

// The calculator's own error: a closed set of codes, and the column of the input it is about.

export const CALC_ERROR_CODES = [
  /** The input is not a well-formed expression. */
  'SYNTAX',
  /** The input uses a symbol that no loaded plugin provides. */
  'UNKNOWN_OPERATOR',
  /**
   * An operator plugin threw, returned something that is not a finite number, missed its deadline,
   * crashed, or is not running (while it is restarted); `cause` is its PluginError, whose code says which.
   */
  'OPERATOR_FAILED',
] as const;

export type CalcErrorCode = (typeof CALC_ERROR_CODES)[number];

export interface CalcErrorOptions {
  /** 1-based column of the input the error points at. */
  readonly column: number;
  /** The operator symbol involved, if any. */
  readonly operator?: string | undefined;
  readonly cause?: unknown;
}

export class CalcError extends Error {
  override readonly name = 'CalcError';
  readonly code: CalcErrorCode;
  readonly column: number;
  readonly operator: string | undefined;

  constructor(code: CalcErrorCode, message: string, options: CalcErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.column = options.column;
    this.operator = options.operator;
  }
}

export function isCalcError(value: unknown): value is CalcError {
  return value instanceof CalcError;
}

/** `divide@1.0.0`: the plugin a PluginError is about, as plugboard names it in messages. */
export function pluginLabel(error: PluginError): string {
  return error.version === undefined ? String(error.plugin) : `${error.plugin}@${error.version}`;
}

/** A PluginError's message without the `name@version: ` it starts with when it names a plugin. */
export function reasonOf(error: PluginError): string {
  const prefix = `${pluginLabel(error)}: `;
  return error.plugin !== undefined && error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
}
