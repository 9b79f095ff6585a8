// The plugin's side of the boundary, shared by worker and child-process runtimes: starts the
// plugin, serves calls, forwards `ctx.use()` and logs to the host, and reports what kills it.
// It keeps to the protocol's limits on the plugin's behalf: long texts are cut, a result too
// large for a message fails its call, and what the plugin sends unasked past its budget is
// dropped here, before it costs the host anything.

import { type Logger, type PluginContext, refuseUse } from '../contract/define-plugin.js';
import { PluginError } from '../errors.js';
import { type Encoding, type Packed, pack, unpack } from '../protocol/codec.js';
import { LIMITS, truncate } from '../protocol/limits.js';
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
import { Budget } from '../util/budget.js';
import { isThenable } from '../util/timeout.js';
import { type StartedPlugin, startPlugin } from './start-plugin.js';
import { evaluateVerified } from './verified-entry.js';

export interface RuntimePort {
  /** Sends a message; false when it is larger than a message may be, and was not sent. */
  send(message: RuntimeMessage): boolean;
  /** Sends a last message and ends the worker or process. */
  die(message: RuntimeMessage, code: number): void;
}

/** How a call's outcome goes back: the shared-memory ring in a worker, a message otherwise. */
export interface Reply {
  /** False when the value is larger than a message may be, and was not sent. */
  value(id: number, value: unknown, encoding: Encoding): boolean;
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
  // What the plugin sends unasked, kept within the budget the host will hold it to; the
  // host is told how much was dropped with the next log entry that goes.
  let budget: Budget | undefined;
  let dropped = 0;
  const admit = (bytes: number): boolean => {
    if (budget === undefined || budget.message(bytes) === 'pass') return true;
    dropped++;
    return false;
  };

  const messageReply: Reply = {
    value: (id, value, encoding) => port.send({ type: 'result', id, value: pack(value, encoding) }),
    error: (id, error) => void port.send({ type: 'error', id, error: toWireError(error) }),
  };

  const fatal = (kind: FatalKind, error: unknown) =>
    port.die({ type: 'fatal', kind, error: toWireError(error) }, EXIT_FATAL);
  process.on('uncaughtException', (error) => fatal('uncaught-exception', error));
  process.on('unhandledRejection', (reason) => fatal('unhandled-rejection', reason));

  const start = async (message: StartMessage) => {
    budget = new Budget({ ...message.budget, floodMs: Number.POSITIVE_INFINITY });
    const verified = message.verified;
    try {
      plugin = await startPlugin({
        name: message.name,
        version: message.version,
        entry: message.entry,
        importer:
          verified === undefined ? undefined : async (entry) => evaluateVerified(entry, verified.code, verified.esm),
        importTimeoutMs: message.importTimeoutMs,
        setupTimeoutMs: message.setupTimeoutMs,
        context: {
          name: message.name,
          version: message.version,
          logger: remoteLogger((level, text, fields) => {
            const packed = fields === undefined ? undefined : packFields(fields);
            const bytes = text.length + (packed === undefined ? 0 : JSON.stringify(packed).length);
            if (!admit(bytes)) return;
            port.send({ type: 'log', level, message: text, fields: packed, dropped });
            dropped = 0;
          }),
          config: Object.freeze((unpack(message.config) ?? {}) as Record<string, unknown>),
          use: remoteUse(message, (contract, name, method, args, encoding) => {
            const packed = pack(args, encoding);
            if (!admit(JSON.stringify(packed).length)) {
              return Promise.reject(
                new PluginError(
                  'PLUGIN_FLOODING',
                  'ctx.use() was refused: the plugin is over its budget of unasked messages',
                  {
                    contract,
                    method,
                  },
                ),
              );
            }
            const id = nextUse++;
            return new Promise((resolve, reject) => {
              uses.set(id, { resolve, reject });
              if (!port.send({ type: 'use', id, contract, name, method, args: packed })) {
                uses.delete(id);
                reject(
                  new PluginError('MESSAGE_TOO_LARGE', 'the arguments are larger than a message may be', {
                    contract,
                    method,
                  }),
                );
              }
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
      shapes[contract] = describeShape(implementation);
      for (const method of shapes[contract].methods) methods.push({ contract, method });
    }
    if (!port.send({ type: 'ready', implementations: shapes, hooks: plugin.hooks })) {
      const error = new PluginError('MESSAGE_TOO_LARGE', 'what setup() returned is larger than a message may be');
      port.send({ type: 'start-failed', error: toWireError(error) });
    }
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
      if (!check.ok) throw notCloneable(check);
      if (!port.send({ type: 'state', id, value: pack(value, check.encoding) })) {
        throw new PluginError('MESSAGE_TOO_LARGE', 'the state is larger than a message may be');
      }
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
  if (!check.ok) return void reply.error(id, notCloneable(check));
  if (!reply.value(id, value, check.encoding)) {
    reply.error(id, new PluginError('MESSAGE_TOO_LARGE', 'the result is larger than a message may be'));
  }
}

function notCloneable(check: { path: string; what: string }): PluginError {
  const code = 'CALL_RESULT_NOT_CLONEABLE';
  return new PluginError(code, `${check.path} is ${check.what}, which cannot leave the plugin's worker or process`, {
    issues: [{ code, path: check.path, message: `is ${check.what}` }],
  });
}

function describeShape(implementation: unknown): ImplementationShape {
  if (typeof implementation !== 'object' || implementation === null) {
    const check = checkWireValue(implementation, 'implementation');
    return {
      meta: pack(check.ok ? implementation : undefined, check.ok ? check.encoding : 'v8'),
      methods: [],
      opaque: [],
    };
  }
  const meta: Record<string, unknown> = {};
  const methods: string[] = [];
  const opaque: string[] = [];
  let encoding: Encoding = 'json';
  for (const key of allKeys(implementation).slice(0, LIMITS.members)) {
    if (key === '__proto__' || key.length > LIMITS.name) continue;
    const value = (implementation as Record<string, unknown>)[key];
    if (typeof value === 'function') {
      methods.push(key);
      continue;
    }
    const check = checkWireValue(value, key);
    if (!check.ok) opaque.push(key);
    else {
      meta[key] = value;
      if (check.encoding === 'v8') encoding = 'v8';
    }
  }
  return { meta: pack(meta, encoding), methods, opaque };
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

function packFields(fields: Record<string, unknown>): Packed {
  const check = checkWireValue(fields, 'fields');
  if (!check.ok) return pack({ fieldsDropped: check.what }, 'json');
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return pack({ fieldsDropped: 'not an object' }, 'json');
  }
  return pack(fields, check.encoding);
}

type Send = (level: LogLevel, message: string, fields: Record<string, unknown> | undefined) => void;

function remoteLogger(send: Send): Logger {
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    let text: string;
    try {
      text = truncate(String(message), LIMITS.text);
    } catch {
      text = '(a message that could not be made a string)';
    }
    send(level, text, fields);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

type UseCall = (
  contract: string,
  name: string | undefined,
  method: string,
  args: unknown[],
  encoding: Encoding,
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
        return send(id, name, method, args, check.encoding);
      };
    }
    return Object.freeze(api);
  }) as PluginContext['use'];
}
