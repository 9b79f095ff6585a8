import { isPluginError } from 'plugboard';
import type { Failure, Operator } from './calculator.js';
import { isCalcError } from './errors.js';
import type { UsageError } from './usage.js';

// How the calculator talks: each function renders one thing as text for people or as one line of JSON.

export type Mode = 'text' | 'json';

export function formatResult(expression: string, value: number, mode: Mode): string {
  return mode === 'json' ? JSON.stringify({ expression, result: value }) : String(value);
}

/** The error as JSON's `error` field: code and message, and where and who when known. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (isCalcError(error)) {
    const cause = isPluginError(error.cause) ? error.cause : undefined;
    return {
      code: error.code,
      message: error.message,
      column: error.column,
      operator: error.operator,
      plugin: cause?.plugin,
      version: cause?.version,
      cause: cause === undefined ? undefined : { code: cause.code, message: cause.message },
    };
  }
  if (isPluginError(error)) return { code: error.code, message: error.message, plugin: error.plugin };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** In text, the message and, when it points at a column, the input with a caret under it. */
export function formatError(expression: string, error: unknown, mode: Mode): string {
  if (mode === 'json') return JSON.stringify({ expression, error: errorJson(error) });
  const { message } = errorJson(error);
  const lines = [`error: ${String(message)}`];
  if (isCalcError(error)) lines.push(`  ${expression}`, `  ${' '.repeat(error.column - 1)}^`);
  return lines.join('\n');
}

/** One line per plugin that failed to load or to stop: who, the error code, why. */
export function formatFailure(failure: Failure, mode: Mode): string {
  const { plugin, version, path, code } = failure;
  // Some reasons run on (an import error's require stack); the first line says what went wrong.
  const message = failure.message.split('\n', 1)[0];
  if (mode === 'json') return JSON.stringify({ failure: { plugin, version, path, code, message } });
  return `plugin ${plugin}${version === undefined ? '' : `@${version}`} failed: ${code}: ${message}`;
}

/** A REPL line starting with `:` that is not a command. */
export function formatUnknownCommand(command: string, mode: Mode): string {
  const message = `unknown command \`${command}\`; try :help`;
  return mode === 'json'
    ? JSON.stringify({ command, error: { code: 'UNKNOWN_COMMAND', message } })
    : `error: ${message}`;
}

/** The operator table for `:plugins`: one operator a line, or in JSON one array. */
export function formatOperators(operators: readonly Operator[], mode: Mode): string {
  if (mode === 'json') {
    return JSON.stringify({
      operators: operators.map(({ symbol, arity, precedence, associativity, plugin, version }) => ({
        symbol,
        arity,
        precedence,
        associativity,
        plugin,
        version,
      })),
    });
  }
  if (operators.length === 0) return 'no operators are loaded';
  const header = ['symbol', 'arity', 'precedence', 'associativity', 'plugin'];
  const rows = operators.map((op) => [
    op.symbol,
    String(op.arity),
    String(op.precedence),
    op.associativity,
    `${op.plugin}@${op.version}`,
  ]);
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0)));
  return table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A bad command line: the message, and in JSON its code. */
export function formatUsageError(error: UsageError, mode: Mode): string {
  return mode === 'json'
    ? JSON.stringify({ error: { code: error.code, message: error.message } })
    : `error: ${error.message}`;
}
