// The plugin's side of the boundary, shared by worker and child-process runtimes: starts the
// plugin, serves calls, forwards `ctx.use()` and logs to the host, and reports what kills it.

import { type Logger, type PluginContext, refuseUse } from '../contract/define-plugin.js';
import { PluginError } from '../errors.js';
import { type Packed, pack, unpack } from '../protocol/codec.js';
import type {
  FatalKind,
  HostMessage,
  ImplementationShape,
  LogLevel,
  RuntimeMessage,
  StartMessage,
  UsableContract,
} from '../protocol/messages.js';
import { fromWireError, toWireError } from '../protocol/wire-error.js';
import { checkWireValue } from '../protocol/wire-value.js';
import { isThenable } from '../util/timeout.js';
import { type StartedPlugin, startPlugin } from './start-plugin.js';

export interface RuntimePort {
  /** True when `send` structured-clones (a worker), false when it speaks JSON (a child process). */
  readonly clones: boolean;
  send(message: RuntimeMessage): void;
  /** Sends a last message and ends the worker or process. */
  die(message: RuntimeMessage, code: number): void;
}

/** How a call's outcome goes back: the shared-memory ring in a worker, a message otherwise. */
export interface Reply {
  value(id: number, value: unknown, json: boolean): void;
  error(id: number, error: unknown): void;
}

export interface Runtime {
  handle(message: HostMessage): void;
  /** Runs a call; returns true when it settled synchronously. */
  call(id: number, contract: string, method: string, args: unknown[], reply: Reply): boolean;
  /** Contract and method by index, in the order `ready` listed them. */
  readonly methods: { contract: string; method: string }[];
}

export const EXIT_FATAL = 70;

export function createRuntime(port: RuntimePort): Runtime {
  let plugin: StartedPlugin | undefined;
  let implementations: Readonly<Record<string, Record<string, unknown>>> = {};
  const uses = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let nextUse = 0;
  const methods: { contract: string; method: string }[] = [];

  const packValue = (value: unknown, plain: boolean) => pack(value, port.clones || plain);
  const messageReply: Reply = {
    value: (id, value, json) => port.send({ type: 'result', id, value: packValue(value, json) }),
    error: (id, error) => port.send({ type: 'error', id, error: toWireError(error) }),
  };

  const fatal = (kind: FatalKind, error: unknown) =>
    port.die({ type: 'fatal', kind, error: toWireError(error) }, EXIT_FATAL);
  process.on('uncaughtException', (error) => fatal('uncaught-exception', error));
  process.on('unhandledRejection', (reason) => fatal('unhandled-rejection', reason));

  const start = async (message: StartMessage) => {
    try {
      plugin = await startPlugin({
        name: message.name,
        version: message.version,
        entry: message.entry,
        importTimeoutMs: message.importTimeoutMs,
        setupTimeoutMs: message.setupTimeoutMs,
        context: {
          name: message.name,
          version: message.version,
          logger: remoteLogger(port, packValue),
          config: Object.freeze((unpack(message.config) ?? {}) as Record<string, unknown>),
          use: remoteUse(message, (contract, name, method, args, json) => {
            const id = nextUse++;
            return new Promise((resolve, reject) => {
              uses.set(id, { resolve, reject });
              port.send({ type: 'use', id, contract, name, method, args: packValue(args, json) });
            });
          }),
        },
      });
    } catch (error) {
      port.send({ type: 'start-failed', error: toWireError(error) });
      return;
    }
    implementations = plugin.implementations as Record<string, Record<string, unknown>>;
    const shapes: Record<string, ImplementationShape> = {};
    for (const [contract, implementation] of Object.entries(implementations)) {
      shapes[contract] = describeShape(implementation, packValue);
      for (const method of shapes[contract].methods) methods.push({ contract, method });
    }
    port.send({ type: 'ready', implementations: shapes, hooks: plugin.hooks });
  };

  const call: Runtime['call'] = (id, contract, method, args, reply) => {
    const target = implementations[contract];
    const fn = target?.[method];
    if (typeof fn !== 'function') {
      reply.error(id, new PluginError('METHOD_MISSING', `has no method \`${contract}.${method}\``));
      return true;
    }
    let result: unknown;
    try {
      result = fn.apply(target, args);
    } catch (error) {
      reply.error(id, error);
      return true;
    }
    if (!isThenable(result)) {
      answer(id, result, reply);
      return true;
    }
    result.then(
      (value) => answer(id, value, reply),
      (error: unknown) => reply.error(id, error),
    );
    return false;
  };

  const settleUse = (
    id: number,
    settle: (pending: { resolve(v: unknown): void; reject(e: unknown): void }) => void,
  ) => {
    const pending = uses.get(id);
    uses.delete(id);
    if (pending !== undefined) settle(pending);
  };

  const state = async (id: number, work: () => Promise<unknown>) => {
    try {
      const value = await work();
      const check = checkWireValue(value, 'state');
      if (!check.ok) throw notCloneable('CALL_RESULT_NOT_CLONEABLE', check);
      port.send({ type: 'state', id, value: packValue(value, check.json) });
    } catch (error) {
      port.send({ type: 'state-error', id, error: toWireError(error) });
    }
  };

  return {
    methods,
    call,
    handle(message) {
      switch (message.type) {
        case 'start':
          void start(message);
          return;
        case 'call':
          call(message.id, message.contract, message.method, unpack(message.args) as unknown[], messageReply);
          return;
        case 'use-result':
          settleUse(message.id, (pending) => pending.resolve(unpack(message.value)));
          return;
        case 'use-error':
          settleUse(message.id, (pending) => pending.reject(fromWireError(message.error)));
          return;
        case 'export-state':
          void state(message.id, () => (plugin as StartedPlugin).exportState());
          return;
        case 'import-state':
          void state(message.id, () => (plugin as StartedPlugin).importState(unpack(message.state)));
          return;
        case 'stop':
          void (plugin?.stop(message.timeoutMs) ?? Promise.resolve()).then(
            () => port.send({ type: 'stopped', error: undefined }),
            (error: unknown) => port.send({ type: 'stopped', error: toWireError(error) }),
          );
          return;
      }
    },
  };
}

function answer(id: number, value: unknown, reply: Reply): void {
  const check = checkWireValue(value, 'result');
  if (check.ok) reply.value(id, value, check.json);
  else reply.error(id, notCloneable('CALL_RESULT_NOT_CLONEABLE', check));
}

function notCloneable(code: 'CALL_RESULT_NOT_CLONEABLE', check: { path: string; what: string }): PluginError {
  return new PluginError(code, `${check.path} is ${check.what}, which cannot leave the plugin's worker or process`, {
    issues: [{ code, path: check.path, message: `is ${check.what}` }],
  });
}

function describeShape(
  implementation: unknown,
  packValue: (value: unknown, plain: boolean) => Packed,
): ImplementationShape {
  if (typeof implementation !== 'object' || implementation === null) {
    return { meta: packValue(implementation, false), methods: [], opaque: [] };
  }
  const meta: Record<string, unknown> = {};
  const methods: string[] = [];
  const opaque: string[] = [];
  let plain = true;
  for (const key of allKeys(implementation)) {
    const value = (implementation as Record<string, unknown>)[key];
    if (typeof value === 'function') {
      methods.push(key);
      continue;
    }
    const check = checkWireValue(value, key);
    if (!check.ok) opaque.push(key);
    else {
      meta[key] = value;
      plain &&= check.json;
    }
  }
  return { meta: packValue(meta, plain), methods, opaque };
}

// Methods of a class instance live on its prototype; an implementation may be one.
function allKeys(object: object): string[] {
  const keys = new Set(Object.keys(object));
  for (let proto = Object.getPrototypeOf(object); proto !== null && proto !== Object.prototype; ) {
    for (const key of Object.getOwnPropertyNames(proto)) if (key !== 'constructor') keys.add(key);
    proto = Object.getPrototypeOf(proto);
  }
  return [...keys];
}

function remoteLogger(port: RuntimePort, packValue: (value: unknown, plain: boolean) => Packed): Logger {
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    let packed: Packed | undefined;
    if (fields !== undefined) {
      const check = checkWireValue(fields, 'fields');
      packed = check.ok ? packValue(fields, check.json) : packValue({ fieldsDropped: check.what }, true);
    }
    port.send({ type: 'log', level, message: String(message), fields: packed });
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

type UseCall = (
  contract: string,
  name: string | undefined,
  method: string,
  args: unknown[],
  json: boolean,
) => Promise<unknown>;

function remoteUse(message: StartMessage, send: UseCall): PluginContext['use'] {
  return ((wanted: { id: string } | string, name?: string) => {
    const id = typeof wanted === 'string' ? wanted : wanted?.id;
    const contract = message.contracts.find((known) => known.id === id);
    const refused = refuseUse(message, { id, name }, message.requires, () => contract !== undefined);
    if (refused !== undefined) throw refused;
    const api: Record<string, unknown> = {};
    for (const method of (contract as UsableContract).methods) {
      api[method] = (...args: unknown[]) => {
        const check = checkWireValue(args, 'args');
        if (!check.ok) {
          return Promise.reject(
            new PluginError(
              'CALL_ARGS_NOT_CLONEABLE',
              `${check.path} is ${check.what}, which cannot cross to the host`,
              {
                contract: id,
                method,
              },
            ),
          );
        }
        return send(id, name, method, args, check.json);
      };
    }
    return Object.freeze(api);
  }) as PluginContext['use'];
}
