import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AsyncApi,
  CALL_TIMEOUT_MS,
  createHost,
  type Host,
  type IsolationMode,
  type LoadFailure,
  type Logger,
  type PluginErrorCode,
  type PluginInfo,
} from 'plugboard';
import { followPlugins, type PluginEvent } from './changes.js';
import { Operation } from './contract.js';
import { reasonOf } from './errors.js';
import { type Executable, evaluate } from './evaluate.js';
import { createOperatorTable, fixity, type OperatorConflict, type OperatorTable } from './operators.js';
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
  /**
   * Watch the plugin folders: a plugin folder added is loaded, one changed is reloaded (a broken
   * version leaves the one before serving), one removed is unloaded, and the operators follow.
   */
  readonly watch?: boolean;
  readonly logger?: Logger;
}

/** A change to the operators while the plugin folders are watched. */
export type Change =
  | {
      readonly kind: 'loaded';
      readonly plugin: string;
      readonly version: string | undefined;
      /** Undefined when the plugin gives no operator (its symbol may be taken: a `failed` change follows). */
      readonly operator: Operator | undefined;
    }
  | {
      readonly kind: 'reloaded';
      readonly plugin: string;
      readonly from: string | undefined;
      readonly to: string | undefined;
      readonly operator: Operator | undefined;
      /** The operator before the reload, to tell when the symbol changed. */
      readonly previous: Operator | undefined;
    }
  | {
      readonly kind: 'reload-failed';
      readonly plugin: string;
      /** The version that keeps serving. */
      readonly version: string | undefined;
      /** The version that failed, when its manifest could be read. */
      readonly attempted: string | undefined;
      readonly code: PluginErrorCode;
      readonly message: string;
    }
  | {
      readonly kind: 'removed';
      readonly plugin: string;
      readonly version: string | undefined;
      /** The operator that went with it. */
      readonly operator: Operator | undefined;
    }
  /** A plugin that appeared but did not start, or whose operator's symbol is taken. */
  | { readonly kind: 'failed'; readonly failure: Failure };

export interface Calculator extends AsyncDisposable {
  /** Parses and evaluates; rejects with a CalcError (`SYNTAX`, `UNKNOWN_OPERATOR`, `OPERATOR_FAILED`). */
  evaluate(expression: string): Promise<number>;
  /** The operators in use, sorted by symbol, prefix before infix. */
  operators(): readonly Operator[];
  /** The plugins that were left out at the start, each with its error code. */
  readonly failures: readonly Failure[];
  /** Calls `listener` with each change while the plugin folders are watched; returns what stops it. */
  onChange(listener: (change: Change) => void): () => void;
  /** Stops watching and stops the plugins; resolves to those whose teardown failed. */
  close(): Promise<readonly Failure[]>;
}

type CalculatorHost = Host<readonly [typeof Operation], true>;

/** The operator table as it stands, with what was left out of it. */
interface Operators {
  readonly table: OperatorTable<Operator>;
  /** Sorted for listing. */
  readonly sorted: readonly Operator[];
  readonly conflicts: readonly Failure[];
}

/** Loads the operator plugins and builds the operator table from what they declare. */
export async function createCalculator(options: CalculatorOptions = {}): Promise<Calculator> {
  // Always with an isolation policy, so that a plugin whose manifest asks for a worker or a process
  // gets one even when the rest run inline; every call returns a Promise, which evaluation awaits.
  const host: CalculatorHost = createHost({
    contracts: [Operation],
    logger: options.logger,
    isolation: { minimum: options.isolation ?? 'inline' },
    timeouts: { callMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS },
  });
  const dirs = options.pluginDirs ?? [BUNDLED_PLUGINS];
  const watch = options.watch === true;
  const report = await (async () => (watch ? host.watch(dirs).ready : host.loadDirectory(dirs)))().catch(
    async (error: unknown) => {
      await host.close();
      throw error;
    },
  );
  // An operator stays in the table while its plugin is restarted, so that using it says so.
  const kept = new Map<string, Operator>();
  let current = collectOperators(host, kept);
  const failures = [...report.failed.map(fromLoadFailure), ...current.conflicts];

  const listeners = new Set<(change: Change) => void>();
  let conflicts = new Set(current.conflicts.map(describeFailure));
  const stopFollowing = watch
    ? followPlugins(host, (event) => {
        const before = current;
        current = collectOperators(host, kept);
        const changes = [toChange(event, before, current)];
        // A conflict is news once: when the operator that lost its symbol arrives.
        for (const conflict of current.conflicts) {
          if (!conflicts.has(describeFailure(conflict))) changes.push({ kind: 'failed', failure: conflict });
        }
        conflicts = new Set(current.conflicts.map(describeFailure));
        for (const listener of listeners) for (const change of changes) listener(change);
      })
    : () => {};

  const calculator: Calculator = {
    evaluate: async (expression) => evaluate(parse(expression, current.table)),
    operators: () => current.sorted,
    failures,
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      stopFollowing();
      listeners.clear();
      const closed = await host.close();
      return closed.failed.map(fromLoadFailure);
    },
    async [Symbol.asyncDispose]() {
      await calculator.close();
    },
  };
  return calculator;
}

/** The operators of the plugins that are active, or that were and are being restarted. */
function collectOperators(host: CalculatorHost, kept: Map<string, Operator>): Operators {
  const providers = host
    .list()
    .filter((info) => Operation.id in info.provides && (info.state === 'active' || kept.has(info.name)));
  const names = new Set(providers.map((info) => info.name));
  for (const name of kept.keys()) if (!names.has(name)) kept.delete(name);
  const operators = providers.map((info) => {
    if (info.state === 'active') kept.set(info.name, toOperator(info, host.get(Operation, info.name)));
    return kept.get(info.name) as Operator;
  });
  const { table, conflicts } = createOperatorTable(operators);
  const sorted = [...table.prefix.values(), ...table.infix.values()].sort(
    (a, b) => compare(a.symbol, b.symbol) || a.arity - b.arity,
  );
  return { table, sorted, conflicts: conflicts.map((conflict) => fromConflict(conflict, providers)) };
}

function toChange(event: PluginEvent, before: Operators, after: Operators): Change {
  const { name, version, path } = event.plugin;
  const operatorOf = (operators: Operators) => operators.sorted.find((operator) => operator.plugin === name);
  switch (event.kind) {
    case 'loaded':
      return { kind: 'loaded', plugin: name, version, operator: operatorOf(after) };
    case 'reloaded':
      return {
        kind: 'reloaded',
        plugin: name,
        from: event.previous.version,
        to: version,
        operator: operatorOf(after),
        previous: operatorOf(before),
      };
    case 'reload-failed': {
      const { error, attempted } = event;
      return {
        kind: 'reload-failed',
        plugin: name,
        version,
        attempted: attempted?.version,
        code: error.code,
        message: reasonOf(error),
      };
    }
    case 'failed':
      return {
        kind: 'failed',
        failure: { plugin: name, version, path, code: event.error.code, message: reasonOf(event.error) },
      };
    case 'removed':
      return { kind: 'removed', plugin: name, version, operator: operatorOf(before) };
  }
}

function describeFailure({ plugin, version, code, message }: Failure): string {
  return `${plugin}@${version ?? ''} ${code} ${message}`;
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
