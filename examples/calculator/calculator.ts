import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AsyncApi,
  CALL_TIMEOUT_MS,
  createHost,
  type IsolationMode,
  type LoadFailure,
  type Logger,
  type PluginErrorCode,
  type PluginInfo,
} from 'plugboard';
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

/** Where operator plugins can run: on the calculator's thread, in a worker thread each, or in a child process each. */
export const ISOLATION_MODES = ['inline', 'worker', 'process'] as const satisfies readonly IsolationMode[];

/** How long one operator call may take, unless `callTimeoutMs` says otherwise. */
export const DEFAULT_CALL_TIMEOUT_MS = CALL_TIMEOUT_MS;

export interface CalculatorOptions {
  /** Folders of operator plugins; defaults to the bundled one. */
  readonly pluginDirs?: readonly string[];
  /** The weakest isolation any operator runs in (a plugin's manifest may ask for more). Default `inline`. */
  readonly isolation?: IsolationMode;
  /**
   * How long one operator call may take. Past it, a worker or process operator is stopped (and
   * restarted); an inline one cannot be stopped, since it runs on the calculator's own thread.
   */
  readonly callTimeoutMs?: number;
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
  // Always with an isolation policy, so that a plugin whose manifest asks for a worker or a process
  // gets one even when the rest run inline; every call returns a Promise, which evaluation awaits.
  const host = createHost({
    contracts: [Operation],
    logger: options.logger,
    isolation: { minimum: options.isolation ?? 'inline' },
    timeouts: { callMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS },
  });
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

function toOperator(info: PluginInfo, handle: AsyncApi<typeof Operation>): Operator {
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
