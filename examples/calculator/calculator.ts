import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Api, createHost, type LoadFailure, type Logger, type PluginErrorCode, type PluginInfo } from 'plugboard';
import { Operation } from './contract.js';
import { reasonOf } from './errors.js';
import { type Executable, evaluate } from './evaluate.js';
import { createOperatorTable, fixity, type OperatorConflict } from './operators.js';
import { parse } from './parse.js';

/** The folder of operator plugins that ships with the calculator. */
export const BUNDLED_PLUGINS = fileURLToPath(new URL('./plugins', import.meta.url));

/** An operator, with the plugin that provides it. */
export interface Operator extends Executable {
  readonly plugin: string;
  readonly version: string;
}

/** A plugin that gave the calculator no operator, and why. */
export interface Failure {
  /** The plugin's name, or its folder's when the manifest could not be read. */
  readonly plugin: string;
  readonly version: string | undefined;
  readonly path: string;
  readonly code: PluginErrorCode | 'OPERATOR_CONFLICT';
  readonly message: string;
}

export interface CalculatorOptions {
  /** Folders of operator plugins; defaults to the bundled one. */
  readonly pluginDirs?: readonly string[];
  readonly logger?: Logger;
}

export interface Calculator extends AsyncDisposable {
  /** Parses and evaluates; rejects with a CalcError (`SYNTAX`, `UNKNOWN_OPERATOR`, `OPERATOR_FAILED`). */
  evaluate(expression: string): Promise<number>;
  /** The operators in use, sorted by symbol, prefix before infix. */
  operators(): readonly Operator[];
  /** The plugins that were left out, each with its error code. */
  readonly failures: readonly Failure[];
  /** Stops the plugins; resolves to those whose teardown failed. */
  close(): Promise<readonly Failure[]>;
}

/** Loads the operator plugins and builds the operator table from what they declare. */
export async function createCalculator(options: CalculatorOptions = {}): Promise<Calculator> {
  const host = createHost({ contracts: [Operation], logger: options.logger });
  const report = await host.loadDirectory(options.pluginDirs ?? [BUNDLED_PLUGINS]).catch(async (error: unknown) => {
    await host.close();
    throw error;
  });
  const providers = host.list().filter((info) => info.state === 'active' && Operation.id in info.provides);
  const { table, conflicts } = createOperatorTable(
    providers.map((info) => toOperator(info, host.get(Operation, info.name))),
  );
  const operators = [...table.prefix.values(), ...table.infix.values()].sort(
    (a, b) => compare(a.symbol, b.symbol) || a.arity - b.arity,
  );
  const failures = [
    ...report.failed.map(fromLoadFailure),
    ...conflicts.map((conflict) => fromConflict(conflict, providers)),
  ];

  const calculator: Calculator = {
    evaluate: async (expression) => evaluate(parse(expression, table)),
    operators: () => operators,
    failures,
    async close() {
      const closed = await host.close();
      return closed.failed.map(fromLoadFailure);
    },
    async [Symbol.asyncDispose]() {
      await calculator.close();
    },
  };
  return calculator;
}

function toOperator(info: PluginInfo, handle: Api<typeof Operation>): Operator {
  return {
    symbol: handle.symbol,
    precedence: handle.precedence,
    associativity: handle.associativity,
    arity: handle.arity,
    plugin: info.name,
    version: info.version,
    execute: (...operands) => handle.execute(...operands),
  };
}

function fromLoadFailure({ name, version, path, error }: LoadFailure): Failure {
  return { plugin: name ?? basename(path), version, path, code: error.code, message: reasonOf(error) };
}

function fromConflict({ operator, kept }: OperatorConflict<Operator>, providers: readonly PluginInfo[]): Failure {
  return {
    plugin: operator.plugin,
    version: operator.version,
    path: providers.find((info) => info.name === operator.plugin)?.path ?? '',
    code: 'OPERATOR_CONFLICT',
    message: `the ${fixity(operator)} operator \`${operator.symbol}\` is already provided by ${kept.plugin}@${kept.version}`,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
