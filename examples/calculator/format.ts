import { isPluginError } from 'plugboard';
import type { Change, Failure, Operator } from './calculator.js';
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

/**
 * One line per change to the operators while the plugin folders are watched: what came, changed
 * or went, and which operator it brought or took away. A reload that failed is an error, with its
 * code, and says which version keeps working.
 */
export function formatChange(change: Change, mode: Mode): string {
  if (change.kind === 'failed') return formatFailure(change.failure, mode);
  if (mode === 'json') return changeJson(change);
  switch (change.kind) {
    case 'loaded':
      return `loaded ${withOperator(change.operator, label(change.plugin, change.version))}`;
    case 'reloaded': {
      const { plugin, from, to, operator, previous } = change;
      const versions = from === to ? label(plugin, to) : `${plugin} ${from ?? '?'} → ${to ?? '?'}`;
      const was = previous !== undefined && previous.symbol !== operator?.symbol ? `, was ${previous.symbol}` : '';
      return `reloaded ${withOperator(operator, versions + was)}`;
    }
    case 'reload-failed': {
      const { plugin, version, attempted, code } = change;
      const message = change.message.split('\n', 1)[0];
      const which = attempted === undefined || attempted === version ? plugin : label(plugin, attempted);
      return `reload of ${which} failed: ${code}: ${message}; ${label(plugin, version)} keeps working`;
    }
    case 'removed':
      return `removed ${withOperator(change.operator, label(change.plugin, change.version))}`;
  }
}

function changeJson(change: Exclude<Change, { kind: 'failed' }>): string {
  switch (change.kind) {
    case 'loaded':
    case 'removed': {
      const { plugin, version, operator } = change;
      return JSON.stringify({ [change.kind]: { plugin, version, operator: operatorJson(operator) } });
    }
    case 'reloaded': {
      const { plugin, from, to, operator } = change;
      return JSON.stringify({ reloaded: { plugin, from, to, operator: operatorJson(operator) } });
    }
    case 'reload-failed': {
      const { plugin, version, attempted, code } = change;
      const message = change.message.split('\n', 1)[0];
      return JSON.stringify({ reload: { plugin, version, attempted }, error: { code, message } });
    }
  }
}

/** `+ (add@1.0.0)`, or the plugin alone when it gives no operator. */
function withOperator(operator: Operator | undefined, plugin: string): string {
  return operator === undefined ? `${plugin} (no operator)` : `${operator.symbol} (${plugin})`;
}

function label(plugin: string, version: string | undefined): string {
  return version === undefined ? plugin : `${plugin}@${version}`;
}

function operatorJson(operator: Operator | undefined): Record<string, unknown> | undefined {
  if (operator === undefined) return undefined;
  const { symbol, arity, precedence, associativity } = operator;
  return { symbol, arity, precedence, associativity };
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
