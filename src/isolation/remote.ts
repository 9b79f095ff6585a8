// The host's side of a plugin behind a boundary (worker or child process): starts it over the
// protocol, forwards calls with deadlines, and turns every way the other side can end into a
// PluginError with its own code. Everything the plugin sends is checked (check.ts) and, when
// it was not asked for, counted against its budget. Transports (worker.ts, process.ts) only move
// bytes.
//
// A session goes starting → active → stopping → ended; which messages the plugin may send
// depends on where it is (`ALLOWED`). Whatever the plugin sends out of turn or out of shape ends
// it with PROTOCOL_VIOLATION; no handler here throws into the host's event loop.

import { PluginError, type PluginErrorCode } from '../errors.js';
import { checkMessage, checkWireError, type Inbound, isViolation } from '../protocol/check.js';
import { type Encoding, pack } from '../protocol/codec.js';
import type { FatalKind, HostMessage, StateHooks } from '../protocol/messages.js';
import { fromWireError, toWireError, type WireError } from '../protocol/wire-error.js';
import { checkWireValue } from '../protocol/wire-value.js';
import { Budget } from '../util/budget.js';
import { type CallSite, type Ending, remoteFailure, siteError, whyEnded } from './endings.js';
import { PendingCalls } from './pending-calls.js';
import type { PluginInstance, RemoteCallOptions, StartRequest, StuckReport } from './types.js';

export interface TransportEvents {
  /** A message from the plugin, parsed but not yet checked; `bytes` is its size on the wire. */
  message(raw: unknown, bytes: number): void;
  /** A call's answer from the fast path: the value, or an unchecked WireError when `ok` is false. */
  answer(id: number, ok: boolean, payload: unknown, bytes: number): void;
  /** Bytes that plugboard's runtime could not have written: the plugin ends. */
  violation(what: string): void;
  /** The plugin rang the doorbell and nothing came with it: unasked, like a message. */
  idle(): void;
  /** Whether `bytes` of the plugin's stdout or stderr fit its budget (else they are dropped). */
  output(bytes: number): boolean;
  /** The worker or process has gone. */
  end(ending: Ending): void;
  /** A worker that was terminated did not end (a system call holds its thread). */
  stuck(report: StuckReport): void;
  /** How many calls wait for an answer. */
  waiting(): number;
}

export type CallRoute = 'sent' | 'message' | 'too-large';

export interface Transport {
  /** Sends a message; false when it is larger than a message may be, and was not sent. */
  send(message: HostMessage): boolean;
  /** Sends a call on the transport's fast path, or says it must go as a message. */
  sendCall(id: number, index: number, args: unknown[], encoding: Encoding): CallRoute;
  /** Keeps the host's process alive while the plugin has work (`true`), or lets it exit (`false`). */
  hold(busy: boolean): void;
  /** Ends the worker or process now, whatever it is doing. */
  terminate(): void;
  /** Bytes the plugin has not taken yet. */
  backlog(): number;
}

export interface SessionLimits {
  readonly maxMessageBytes: number;
  readonly budget: { readonly messagesPerSecond: number; readonly bytesPerSecond: number; readonly floodMs: number };
}

type Phase = 'starting' | 'active' | 'stopping' | 'ended';

// Which messages a plugin may send in each phase. A `hello` is the transport's: the session
// never expects one.
const ALLOWED: Readonly<Record<Inbound['type'], readonly Phase[]>> = {
  hello: [],
  ready: ['starting'],
  'start-failed': ['starting'],
  result: ['active', 'stopping'],
  error: ['active', 'stopping'],
  use: ['starting', 'active', 'stopping'],
  log: ['starting', 'active', 'stopping'],
  state: ['active'],
  'state-error': ['active'],
  stopped: ['stopping'],
  fatal: ['starting', 'active', 'stopping'],
};

const START_GRACE_MS = 1_000;
/** `ctx.use()` requests of one plugin the host runs at once; more are refused. */
const MAX_USES_IN_FLIGHT = 1_024;
/** Past this much unread by the plugin (times the largest message), it has stopped reading. */
const BACKLOG_MESSAGES = 4;

/** Starts the plugin over `connect`'s transport; resolves once `setup()` has returned. */
export function startRemote(
  request: StartRequest,
  limits: SessionLimits,
  connect: (events: TransportEvents) => Transport,
  mode: 'worker' | 'process',
  verified: { code: string; esm: boolean } | undefined,
): Promise<PluginInstance> {
  return new Session(request, limits, mode).start(connect, verified);
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

class Session {
  private readonly subject: { plugin: string; version: string };
  private transport!: Transport;
  private phase: Phase = 'starting';
  /** Why it ended, once it has. */
  private ended: PluginError | undefined;
  private exited = false;
  private terminatedFor: PluginError | undefined;
  private fatal: { kind: FatalKind; error: WireError } | undefined;
  private readonly calls: PendingCalls;
  private readonly requests = new Map<number, Waiting>();
  private nextRequest = 1;
  private methodIndex = new Map<string, Map<string, number>>();
  private readonly budget: Budget;
  private usesInFlight = 0;
  private held = false;
  private starting: Waiting | undefined;
  private stopping: { done(error?: PluginError): void; teardown: PluginError | undefined | null } | undefined;
  private startTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly request: StartRequest,
    private readonly limits: SessionLimits,
    private readonly mode: 'worker' | 'process',
  ) {
    this.subject = { plugin: request.name, version: request.version };
    this.budget = new Budget(limits.budget);
    this.calls = new PendingCalls(
      this.subject,
      (error) => this.terminate(error),
      () => this.holdIfBusy(),
    );
  }

  start(
    connect: (events: TransportEvents) => Transport,
    verified: { code: string; esm: boolean } | undefined,
  ): Promise<PluginInstance> {
    this.transport = connect(this.events());
    const budget = this.request.importTimeoutMs + this.request.setupTimeoutMs + START_GRACE_MS;
    this.startTimer = setTimeout(() => {
      this.terminate(
        new PluginError('SETUP_TIMEOUT', `import and setup did not finish within ${budget} ms`, {
          ...this.subject,
          path: this.request.entry,
        }),
      );
    }, budget);
    this.startTimer.unref();
    return new Promise<PluginInstance>((resolve, reject) => {
      this.starting = { resolve: resolve as (value: unknown) => void, reject };
      this.holdIfBusy();
      const config = this.request.context.config;
      const check = checkWireValue(config, 'config');
      const sent =
        check.ok &&
        this.transport.send({
          type: 'start',
          name: this.request.name,
          version: this.request.version,
          entry: this.request.entry,
          verified,
          config: pack(config, check.encoding),
          contracts: [...this.request.contracts.values()].map((contract) => ({
            id: contract.id,
            methods: Object.keys(contract.methods),
          })),
          requires: Object.keys(this.request.manifest.requires ?? {}),
          importTimeoutMs: this.request.importTimeoutMs,
          setupTimeoutMs: this.request.setupTimeoutMs,
          budget: this.limits.budget,
          maxMessageBytes: this.limits.maxMessageBytes,
        });
      if (!sent) {
        const what = check.ok ? 'is larger than a message may be' : `cannot cross: ${check.path} is ${check.what}`;
        const code: PluginErrorCode = check.ok ? 'MESSAGE_TOO_LARGE' : 'CALL_ARGS_NOT_CLONEABLE';
        this.end(new PluginError(code, `its config ${what}`, { ...this.subject, path: this.request.entry }));
      }
    }).finally(() => clearTimeout(this.startTimer));
  }

  private events(): TransportEvents {
    return {
      waiting: () => this.calls.size,
      message: (raw, bytes) => this.guard(() => this.onMessage(raw, bytes)),
      answer: (id, ok, payload, bytes) => this.guard(() => this.onAnswer(id, ok, payload, bytes)),
      violation: (what) => this.violation(what),
      idle: () => this.guard(() => this.unasked(0)),
      output: (bytes) => this.onOutput(bytes),
      end: (ending) => this.guard(() => this.onExit(ending)),
      stuck: (report) =>
        this.guard(() => {
          this.request.onStuck?.(report);
          // Held by a system call for good: as far as the host can tell, it has gone.
          if (!report.unblocked) this.onExit({ code: null, signal: null });
        }),
    };
  }

  // Nothing a plugin sends may throw into the host's event loop; a bug of ours found this way
  // ends the plugin with its code rather than the host.
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.end(
        new PluginError('INTERNAL_ERROR', 'its messages could not be handled (a bug in plugboard)', {
          ...this.subject,
          cause: error,
        }),
      );
    }
  }

  private onMessage(raw: unknown, bytes: number): void {
    if (this.phase === 'ended') return;
    const message = checkMessage(raw);
    if (isViolation(message)) return void this.violation(message.violation);
    if (!ALLOWED[message.type].includes(this.phase)) {
      return void this.violation(`a \`${message.type}\` message arrived while the plugin was ${this.phase}`);
    }
    switch (message.type) {
      case 'ready':
        return void this.ready(message.implementations, message.hooks);
      case 'start-failed':
        return void this.end(
          remoteFailure(this.subject, this.mode, this.request.entry, fromWireError(message.error), 'starting'),
        );
      case 'result':
        if (!this.calls.resolve(message.id, message.value)) this.unasked(bytes);
        return;
      case 'error':
        if (!this.calls.fail(message.id, message.error)) this.unasked(bytes);
        return;
      case 'use':
        if (this.unasked(bytes)) void this.use(message);
        return;
      case 'log':
        if (this.budget.droppedThere(message.dropped) === 'flood') return void this.flooding();
        if (this.unasked(bytes)) this.log(message);
        return;
      case 'state':
      case 'state-error': {
        const waiting = this.requests.get(message.id);
        if (waiting === undefined) return void this.unasked(bytes);
        this.requests.delete(message.id);
        this.holdIfBusy();
        if (message.type === 'state') waiting.resolve(message.value);
        else waiting.reject(fromWireError(message.error));
        return;
      }
      case 'stopped': {
        const stopping = this.stopping as NonNullable<Session['stopping']>;
        stopping.teardown =
          message.error === undefined
            ? undefined
            : remoteFailure(this.subject, this.mode, this.request.entry, fromWireError(message.error), 'stopping');
        // Stopped all the same: its worker or process ends now, and the stop resolves once it has.
        this.end(new PluginError('PLUGIN_NOT_ACTIVE', 'was stopped', this.subject));
        return;
      }
      case 'fatal':
        this.fatal = { kind: message.kind, error: message.error };
        return;
    }
  }

  private onAnswer(id: number, ok: boolean, payload: unknown, bytes: number): void {
    if (this.phase === 'ended') return;
    if (this.phase !== 'active' && this.phase !== 'stopping') {
      return void this.violation(`an answer to call ${id} arrived while the plugin was ${this.phase}`);
    }
    if (ok) {
      if (!this.calls.resolve(id, payload)) this.unasked(bytes);
      return;
    }
    const error = checkWireError(payload);
    if (isViolation(error)) return void this.violation(error.violation);
    if (!this.calls.fail(id, error)) this.unasked(bytes);
  }

  private onOutput(bytes: number): boolean {
    if (this.phase === 'ended') return false;
    const admitted = this.budget.output(bytes);
    if (admitted === 'flood') this.flooding();
    return admitted === 'pass';
  }

  private onExit(ending: Ending): void {
    this.exited = true;
    const stopping = this.stopping;
    if (stopping !== undefined && stopping.teardown !== null) {
      this.stopping = undefined;
      stopping.done(stopping.teardown);
    }
    this.end(this.terminatedFor ?? whyEnded(ending, this.subject, this.mode, this.fatal));
    this.holdIfBusy();
  }

  // Something the host did not ask for: within budget it is handled; past it, dropped.
  private unasked(bytes: number): boolean {
    const admitted = this.budget.message(bytes);
    if (admitted === 'flood') this.flooding();
    return admitted === 'pass';
  }

  private flooding(): void {
    const { messagesPerSecond, bytesPerSecond, floodMs } = this.limits.budget;
    this.terminate(
      new PluginError(
        'PLUGIN_FLOODING',
        `sent more than ${messagesPerSecond} messages or ${bytesPerSecond} bytes a second, unasked, for ${floodMs} ms (${this.budget.dropped} messages dropped)`,
        this.subject,
      ),
      false,
    );
  }

  private violation(what: string): void {
    if (this.phase === 'ended') return;
    this.terminate(new PluginError('PROTOCOL_VIOLATION', `broke plugboard's protocol: ${what}`, this.subject), false);
  }

  private log(message: Extract<Inbound, { type: 'log' }>): void {
    try {
      this.request.context.logger[message.level](message.message, message.fields as Record<string, unknown>);
    } catch {
      // The host's logger threw on what the plugin logged: the plugin is not to blame, nor the host.
    }
  }

  private async use(message: Extract<Inbound, { type: 'use' }>): Promise<void> {
    const reply = (sent: HostMessage) => {
      if (this.phase !== 'ended' && !this.transport.send(sent)) {
        const error = new PluginError('MESSAGE_TOO_LARGE', 'the answer is larger than a message may be');
        this.transport.send({ type: 'use-error', id: message.id, error: toWireError(error) });
      }
    };
    if (this.usesInFlight >= MAX_USES_IN_FLIGHT) {
      const error = new PluginError('PLUGIN_FLOODING', `has ${MAX_USES_IN_FLIGHT} ctx.use() calls in flight already`);
      return reply({ type: 'use-error', id: message.id, error: toWireError(error) });
    }
    this.usesInFlight++;
    try {
      const api = this.request.context.use(message.contract, message.name) as Record<string, unknown>;
      // Only the contract's own methods: `toString` or `constructor` are not the plugin's to call.
      const method = Object.hasOwn(api, message.method) ? api[message.method] : undefined;
      if (typeof method !== 'function') throw new PluginError('METHOD_MISSING', `no method \`${message.method}\``);
      const value = await method(...message.args);
      const check = checkWireValue(value, 'result');
      if (!check.ok) throw new PluginError('CALL_RESULT_NOT_CLONEABLE', `${check.path} is ${check.what}`);
      reply({ type: 'use-result', id: message.id, value: pack(value, check.encoding) });
    } catch (error) {
      reply({ type: 'use-error', id: message.id, error: toWireError(error) });
    } finally {
      this.usesInFlight--;
    }
  }

  private ready(
    shapes: ReadonlyMap<string, { meta: Readonly<Record<string, unknown>>; methods: readonly string[] }>,
    hooks: StateHooks,
  ): void {
    const implementations: Record<string, unknown> = {};
    const index = new Map<string, Map<string, number>>();
    let next = 0;
    for (const [contract, shape] of shapes) {
      const implementation: Record<string, unknown> = { ...shape.meta };
      const methods = new Map<string, number>();
      index.set(contract, methods);
      for (const method of shape.methods) {
        methods.set(method, next++);
        // Without a caller's options (a direct call on the implementation), the host's defaults apply.
        implementation[method] = (...args: unknown[]) =>
          this.call(contract, method, args, { timeoutMs: Number.POSITIVE_INFINITY, signal: undefined });
      }
      implementations[contract] = implementation;
    }
    this.methodIndex = index;
    this.phase = 'active';
    clearTimeout(this.startTimer);
    const starting = this.starting;
    this.starting = undefined;
    this.holdIfBusy();
    starting?.resolve(this.instance(implementations, hooks));
  }

  private call(contract: string, method: string, args: unknown[], options: RemoteCallOptions): Promise<unknown> {
    const site: CallSite = { contract, method };
    if (this.ended !== undefined) {
      const ended = this.ended;
      return Promise.reject(siteError(this.subject, ended.code, site, `cannot run: ${ended.message}`, ended));
    }
    const check = checkWireValue(args, 'args');
    if (!check.ok) {
      const what = `cannot take ${check.path}: it is ${check.what}`;
      return Promise.reject(siteError(this.subject, 'CALL_ARGS_NOT_CLONEABLE', site, what));
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(this.calls.abortError(site, signal));
    return new Promise<unknown>((resolve, reject) => {
      const id = this.calls.add(site, resolve, reject, options);
      if (this.calls.size === 1) this.holdIfBusy();
      const index = this.methodIndex.get(contract)?.get(method);
      let route: CallRoute = 'message';
      if (index !== undefined) route = this.transport.sendCall(id, index, args, check.encoding);
      if (route === 'message') {
        route = this.transport.send({ type: 'call', id, contract, method, args: pack(args, check.encoding) })
          ? 'sent'
          : 'too-large';
      }
      if (route === 'too-large') {
        this.calls.reject(
          id,
          siteError(this.subject, 'MESSAGE_TOO_LARGE', site, 'has arguments larger than a message may be'),
        );
      }
      this.checkBacklog();
    });
  }

  // A plugin that stops reading its channel would make the host hold what it sends, forever.
  private checkBacklog(): void {
    const backlog = this.transport.backlog();
    if (backlog > BACKLOG_MESSAGES * this.limits.maxMessageBytes) {
      this.violation(`it stopped reading its channel: ${backlog} bytes wait for it`);
    }
  }

  private ask(
    message: { type: 'export-state' } | { type: 'import-state'; state: unknown },
    timeoutMs: number,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.ended !== undefined) return reject(this.ended);
      const id = this.nextRequest++;
      let sent: boolean;
      if (message.type === 'export-state') sent = this.transport.send({ type: 'export-state', id });
      else {
        const check = checkWireValue(message.state, 'state');
        if (!check.ok) {
          return reject(new PluginError('CALL_ARGS_NOT_CLONEABLE', `${check.path} is ${check.what}`, this.subject));
        }
        sent = this.transport.send({ type: 'import-state', id, state: pack(message.state, check.encoding) });
      }
      if (!sent)
        return reject(new PluginError('MESSAGE_TOO_LARGE', 'the state is larger than a message may be', this.subject));
      // A hook that does not return may be stuck in a loop: past its deadline the plugin is ended,
      // as for a call, and restarted under its policy.
      const timer = setTimeout(() => {
        this.requests.delete(id);
        const error = new PluginError(
          'CALL_TIMEOUT',
          `${message.type === 'export-state' ? 'exportState()' : 'importState()'} did not finish within ${timeoutMs} ms`,
          this.subject,
        );
        reject(error);
        this.terminate(error);
      }, timeoutMs);
      this.requests.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.holdIfBusy();
    });
  }

  private instance(implementations: Record<string, unknown>, hooks: StateHooks): PluginInstance {
    return {
      implementations,
      hooks,
      remote: { call: (contract, method, args, options) => this.call(contract, method, args, options) },
      exportState: (timeoutMs) => this.ask({ type: 'export-state' }, timeoutMs),
      importState: async (state, timeoutMs) => {
        await this.ask({ type: 'import-state', state }, timeoutMs);
      },
      traffic: () => ({ dropped: this.budget.dropped, droppedBytes: this.budget.droppedBytes }),
      stop: (timeoutMs) => this.stop(timeoutMs),
    };
  }

  private stop(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.ended !== undefined) {
        // Already ended: the stop is done once its worker or process has gone.
        if (this.exited) return resolve();
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.stopping = {
          teardown: undefined,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        return;
      }
      const timer = setTimeout(() => {
        const error = new PluginError(
          'TEARDOWN_TIMEOUT',
          `teardown did not finish within ${timeoutMs} ms`,
          this.subject,
        );
        this.stopping = undefined;
        this.terminate(error, false);
        reject(error);
      }, timeoutMs);
      timer.unref();
      this.phase = 'stopping';
      this.stopping = {
        // null until the plugin has reported its teardown: an exit before that did not finish it.
        teardown: null,
        done: (error) => {
          clearTimeout(timer);
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      this.holdIfBusy();
      this.transport.send({ type: 'stop', timeoutMs });
    });
  }

  // Ends the plugin for `error`: its worker or process is terminated, and everything waiting
  // on it rejects. `asTermination` words the error as a termination (after a deadline).
  private terminate(cause: PluginError, asTermination = true): void {
    if (this.ended !== undefined) return;
    this.terminatedFor = asTermination
      ? new PluginError('PLUGIN_TERMINATED', `was terminated because ${cause.message}`, { ...this.subject, cause })
      : cause;
    this.end(this.terminatedFor);
  }

  private end(error: PluginError): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    const wasStarting = this.phase === 'starting';
    const wasStopping = this.phase === 'stopping';
    this.phase = 'ended';
    clearTimeout(this.startTimer);
    this.transport.terminate();
    this.calls.rejectAll(error);
    for (const waiting of this.requests.values()) waiting.reject(error);
    this.requests.clear();
    if (wasStarting) {
      const starting = this.starting;
      this.starting = undefined;
      starting?.reject(error);
    } else if (!wasStopping) this.request.onEnd(error);
    else if (this.stopping?.teardown === null) {
      // It ended during teardown: stopped all the same, but the teardown did not finish.
      this.stopping.teardown = new PluginError('TEARDOWN_FAILED', `ended during teardown: ${error.message}`, {
        ...this.subject,
        cause: error,
      });
    }
    this.holdIfBusy();
  }

  // The host's process stays alive while the plugin has work, and after it was ended until its
  // worker or process has really gone, so that a stop or close awaited by a script completes.
  private holdIfBusy(): void {
    if (this.transport === undefined) return;
    const busy =
      this.phase === 'starting' ||
      this.phase === 'stopping' ||
      this.calls.size > 0 ||
      this.requests.size > 0 ||
      (this.phase === 'ended' && !this.exited);
    if (busy === this.held) return;
    this.held = busy;
    this.transport.hold(busy);
  }
}
