// The host's side of a plugin behind a boundary (worker or child process): starts it over the
// protocol, forwards calls with deadlines, and turns every way the other side can end into a
// PluginError with its own code. Transports (worker.ts, process.ts) only move messages.

import { PluginError, type PluginErrorCode } from '../errors.js';
import { pack, unpack } from '../protocol/codec.js';
import type { FatalKind, HostMessage, ImplementationShape, RuntimeMessage, StateHooks } from '../protocol/messages.js';
import { fromWireError, toWireError, type WireError } from '../protocol/wire-error.js';
import { checkWireValue } from '../protocol/wire-value.js';
import {
  abortFailure,
  type CallSite,
  callFailure,
  type Ending,
  remoteFailure,
  siteError,
  whyEnded,
} from './endings.js';
import type { PluginInstance, RemoteCallOptions, StartRequest } from './types.js';

export interface TransportEvents {
  message(message: RuntimeMessage): void;
  /** A call's outcome from the fast path: the value, or a WireError when `ok` is false. */
  answer(id: number, ok: boolean, payload: unknown): void;
  end(ending: Ending): void;
  /** How many calls wait for an answer. */
  waiting(): number;
}

export interface Transport {
  readonly clones: boolean;
  send(message: HostMessage): void;
  /** Sends a call on the transport's fast path; false when it must go as a message. */
  sendCall(id: number, index: number, args: unknown[], json: boolean): boolean;
  /** Keeps the host's process alive while the plugin has work (`true`), or lets it exit (`false`). */
  hold(busy: boolean): void;
  /** Ends the worker or process now, whatever it is doing. */
  terminate(): void;
}

// A class, not an object literal with a spread: one call makes one, and the spread measured
// as the most expensive line of a pipelined call.
class PendingCall {
  abort: (() => void) | undefined = undefined;
  constructor(
    readonly contract: string,
    readonly method: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: PluginError) => void,
    /** When the call passes its deadline, in performance.now() time. */
    readonly deadlineAt: number,
    readonly timeoutMs: number,
    readonly signal: AbortSignal | undefined,
  ) {}
}

const START_GRACE_MS = 1_000;

/** Starts the plugin over `connect`'s transport; resolves once `setup()` has returned. */
export function startRemote(
  request: StartRequest,
  connect: (events: TransportEvents) => Transport,
  mode: 'worker' | 'process',
): Promise<PluginInstance> {
  const subject = { plugin: request.name, version: request.version };
  const pending = new Map<number, PendingCall>();
  const requests = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;
  let methodIndex = new Map<string, Map<string, number>>();
  let ended: PluginError | undefined;
  let fatal: { kind: FatalKind; error: WireError } | undefined;
  // While stopping: `teardown` is set once the plugin has reported its teardown; the stop
  // resolves when the worker or process has really gone.
  let stopping: { done(error?: PluginError): void; teardown?: { error: PluginError | undefined } } | undefined;
  let starting: { resolve(instance: PluginInstance): void; reject(error: PluginError): void } | undefined;
  let terminatedFor: PluginError | undefined;

  const callError = (code: PluginErrorCode, call: CallSite, what: string, cause?: unknown) =>
    siteError(subject, code, call, what, cause);

  const settle = (id: number): PendingCall | undefined => {
    const call = pending.get(id);
    if (call === undefined) return undefined;
    pending.delete(id);
    if (pending.size === 0 && starting === undefined) transport.hold(false);
    if (call.abort !== undefined) call.signal?.removeEventListener('abort', call.abort);
    return call;
  };

  const fail = (id: number, wire: WireError) => {
    const call = settle(id);
    if (call !== undefined) call.reject(callFailure(subject, call, fromWireError(wire)));
  };

  // Ends the plugin for `error`: terminates it, and rejects everything waiting on it.
  const end = (error: PluginError) => {
    if (ended !== undefined) return;
    ended = error;
    if (sweep !== undefined) clearTimeout(sweep);
    transport.terminate();
    rejectAll(error);
    if (starting !== undefined) starting.reject(error);
    else if (stopping === undefined) request.onEnd(error);
    else if (stopping.teardown === undefined) {
      // It ended during teardown: stopped all the same, but the teardown did not finish.
      const done = stopping;
      stopping = undefined;
      done.done(
        new PluginError('TEARDOWN_FAILED', `ended during teardown: ${error.message}`, { ...subject, cause: error }),
      );
    }
  };
  const rejectAll = (error: PluginError) => {
    for (const id of [...pending.keys()]) {
      const call = settle(id) as PendingCall;
      call.reject(callError(error.code, call, `did not finish: ${error.message}`, error));
    }
    for (const request of requests.values()) request.reject(error);
    requests.clear();
  };

  const onUse = async (message: Extract<RuntimeMessage, { type: 'use' }>) => {
    try {
      const api = request.context.use(message.contract, message.name) as Record<string, (...a: unknown[]) => unknown>;
      const method = api[message.method];
      if (typeof method !== 'function') throw new PluginError('METHOD_MISSING', `no method \`${message.method}\``);
      const value = await method(...(unpack(message.args) as unknown[]));
      const check = checkWireValue(value, 'result');
      if (!check.ok) throw new PluginError('CALL_RESULT_NOT_CLONEABLE', `${check.path} is ${check.what}`);
      transport.send({ type: 'use-result', id: message.id, value: pack(value, transport.clones || check.json) });
    } catch (error) {
      transport.send({ type: 'use-error', id: message.id, error: toWireError(error) });
    }
  };

  const events: TransportEvents = {
    waiting: () => pending.size,
    answer(id, ok, payload) {
      if (ok) settle(id)?.resolve(payload);
      else fail(id, payload as WireError);
    },
    message(message) {
      switch (message.type) {
        case 'hello':
          return;
        case 'ready':
          return ready(message.implementations, message.hooks);
        case 'start-failed':
          return end(remoteFailure(subject, mode, request.entry, fromWireError(message.error), 'starting'));
        case 'result':
          return void settle(message.id)?.resolve(unpack(message.value));
        case 'error':
          return fail(message.id, message.error);
        case 'use':
          return void onUse(message);
        case 'log': {
          const fields = message.fields === undefined ? undefined : (unpack(message.fields) as Record<string, unknown>);
          request.context.logger[message.level](message.message, fields);
          return;
        }
        case 'state': {
          const waiting = requests.get(message.id);
          requests.delete(message.id);
          waiting?.resolve(unpack(message.value));
          return;
        }
        case 'state-error': {
          const waiting = requests.get(message.id);
          requests.delete(message.id);
          waiting?.reject(fromWireError(message.error));
          return;
        }
        case 'stopped': {
          if (stopping === undefined) return;
          stopping.teardown = {
            error:
              message.error === undefined
                ? undefined
                : remoteFailure(subject, mode, request.entry, fromWireError(message.error), 'stopping'),
          };
          end(new PluginError('PLUGIN_NOT_ACTIVE', 'was stopped', subject));
          return;
        }
        case 'fatal':
          fatal = { kind: message.kind, error: message.error };
          return;
      }
    },
    end(ending) {
      if (stopping?.teardown !== undefined) {
        const done = stopping;
        stopping = undefined;
        return done.done(done.teardown?.error);
      }
      end(terminatedFor ?? whyEnded(ending, subject, mode, fatal));
    },
  };

  const call = (contract: string, method: string, args: unknown[], options: RemoteCallOptions) =>
    new Promise<unknown>((resolve, reject) => {
      if (ended !== undefined) {
        return reject(callError(ended.code, { contract, method }, `cannot run: ${ended.message}`, ended));
      }
      const check = checkWireValue(args, 'args');
      if (!check.ok) {
        const what = `cannot take ${check.path}: it is ${check.what}`;
        return reject(callError('CALL_ARGS_NOT_CLONEABLE', { contract, method }, what));
      }
      const { signal } = options;
      if (signal?.aborted) return reject(abortError({ contract, method }, signal));
      const id = nextId++;
      const timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : Number.POSITIVE_INFINITY;
      const deadlineAt = performance.now() + timeoutMs;
      const entry = new PendingCall(contract, method, resolve, reject, deadlineAt, timeoutMs, signal);
      pending.set(id, entry);
      if (pending.size === 1) transport.hold(true);
      if (deadlineAt < sweepAt) sweepAt = watchDeadline(deadlineAt);
      if (signal !== undefined) {
        entry.abort = () => {
          const aborted = settle(id);
          if (aborted === undefined) return;
          const error = abortError(entry, signal);
          aborted.reject(error);
          if (error.code === 'CALL_TIMEOUT') terminate(error);
        };
        signal.addEventListener('abort', entry.abort, { once: true });
      }
      const index = methodIndex.get(contract)?.get(method);
      if (index === undefined || !transport.sendCall(id, index, args, check.json)) {
        transport.send({ type: 'call', id, contract, method, args: pack(args, transport.clones || check.json) });
      }
    });

  const abortError = (site: CallSite, signal: AbortSignal) => abortFailure(subject, site, signal);

  // One timer for all calls, set for the earliest deadline: a timer per call would cost more
  // than the call. Calls that finish leave it be; when it fires it looks for the next one.
  let sweepAt = Number.POSITIVE_INFINITY;
  let sweep: NodeJS.Timeout | undefined;
  const watchDeadline = (at: number): number => {
    if (!Number.isFinite(at)) return sweepAt;
    if (sweep !== undefined) clearTimeout(sweep);
    sweep = setTimeout(sweepDeadlines, Math.max(0, at - performance.now()));
    sweep.unref();
    return at;
  };
  const sweepDeadlines = () => {
    sweep = undefined;
    sweepAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, call] of pending) {
      if (call.deadlineAt <= now) return deadline(id, call.timeoutMs);
      if (call.deadlineAt < next) next = call.deadlineAt;
    }
    sweepAt = watchDeadline(next);
  };

  // A call past its deadline may be stuck in a loop: the only cure is to end the worker or process.
  const deadline = (id: number, timeoutMs: number) => {
    const call = settle(id);
    if (call === undefined) return;
    const error = callError('CALL_TIMEOUT', call, `did not settle within ${timeoutMs} ms`);
    call.reject(error);
    terminate(error);
  };
  const terminate = (cause: PluginError) => {
    terminatedFor = new PluginError('PLUGIN_TERMINATED', `was terminated because ${cause.message}`, {
      ...subject,
      cause,
    });
    end(terminatedFor);
  };

  const ask = (message: { type: 'export-state' } | { type: 'import-state'; state: unknown }) =>
    new Promise<unknown>((resolve, reject) => {
      if (ended !== undefined) return reject(ended);
      const id = nextId++;
      requests.set(id, { resolve, reject });
      if (message.type === 'export-state') transport.send({ type: 'export-state', id });
      else {
        const check = checkWireValue(message.state, 'state');
        if (!check.ok) {
          requests.delete(id);
          return reject(new PluginError('CALL_ARGS_NOT_CLONEABLE', `${check.path} is ${check.what}`, subject));
        }
        transport.send({ type: 'import-state', id, state: pack(message.state, transport.clones || check.json) });
      }
    });

  const instance = (implementations: Record<string, unknown>, hooks: StateHooks): PluginInstance => ({
    implementations,
    hooks,
    remote: { call },
    exportState: () => ask({ type: 'export-state' }),
    importState: async (state) => {
      await ask({ type: 'import-state', state });
    },
    stop: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (ended !== undefined) return resolve();
        const timer = setTimeout(() => {
          const error = new PluginError('TEARDOWN_TIMEOUT', `teardown did not finish within ${timeoutMs} ms`, subject);
          stopping = undefined;
          end(error);
          reject(error);
        }, timeoutMs);
        timer.unref();
        stopping = {
          done(error) {
            clearTimeout(timer);
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        transport.hold(true);
        transport.send({ type: 'stop', timeoutMs });
      }),
  });

  const ready = (shapes: Readonly<Record<string, ImplementationShape>>, hooks: StateHooks) => {
    const implementations: Record<string, unknown> = {};
    const index = new Map<string, Map<string, number>>();
    let next = 0;
    for (const [contract, shape] of Object.entries(shapes)) {
      const implementation: Record<string, unknown> = { ...(unpack(shape.meta) as Record<string, unknown>) };
      const methods = new Map<string, number>();
      index.set(contract, methods);
      for (const method of shape.methods) {
        methods.set(method, next++);
        // Without a caller's options (a direct call on the implementation), the host's defaults apply.
        implementation[method] = (...args: unknown[]) =>
          call(contract, method, args, { timeoutMs: Number.POSITIVE_INFINITY, signal: undefined });
      }
      implementations[contract] = implementation;
    }
    methodIndex = index;
    const done = starting;
    starting = undefined;
    clearTimeout(startTimer);
    if (pending.size === 0) transport.hold(false);
    done?.resolve(instance(implementations, hooks));
  };

  const transport = connect(events);
  const budget = request.importTimeoutMs + request.setupTimeoutMs + START_GRACE_MS;
  const startTimer = setTimeout(() => {
    terminatedFor = new PluginError('SETUP_TIMEOUT', `import and setup did not finish within ${budget} ms`, {
      ...subject,
      path: request.entry,
    });
    end(terminatedFor);
  }, budget);
  startTimer.unref();

  return new Promise<PluginInstance>((resolve, reject) => {
    starting = { resolve, reject };
    transport.send({
      type: 'start',
      name: request.name,
      version: request.version,
      entry: request.entry,
      config: pack(request.context.config, transport.clones || isJson(request.context.config)),
      contracts: [...request.contracts.values()].map((contract) => ({
        id: contract.id,
        methods: Object.keys(contract.methods),
      })),
      requires: Object.keys(request.manifest.requires ?? {}),
      importTimeoutMs: request.importTimeoutMs,
      setupTimeoutMs: request.setupTimeoutMs,
    });
  }).finally(() => clearTimeout(startTimer));
}

function isJson(value: unknown): boolean {
  const check = checkWireValue(value, 'config');
  return check.ok && check.json;
}
