// The calls a plugin behind a boundary has not answered yet: their ids, their deadlines and
// their AbortSignals. A call past its deadline may be stuck in a loop, so the owner is told to
// end the plugin.

import type { PluginError } from '../errors.js';
import { fromWireError, type WireError } from '../protocol/wire-error.js';
import { abortFailure, type CallSite, callFailure, type Subject, siteError } from './endings.js';
import type { RemoteCallOptions } from './types.js';

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

export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  // One timer for all calls, set for the earliest deadline: a timer per call would cost more
  // than the call. Calls that finish leave it be; when it fires it looks for the next one.
  private sweepAt = Number.POSITIVE_INFINITY;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly subject: Subject,
    /** A call passed its deadline: the plugin must be ended. */
    private readonly onDeadline: (error: PluginError) => void,
    /** The number of calls went to 0. */
    private readonly onIdle: () => void,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call; returns its id. */
  add(
    site: CallSite,
    resolve: (value: unknown) => void,
    reject: (error: PluginError) => void,
    options: RemoteCallOptions,
  ): number {
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : Number.POSITIVE_INFINITY;
    const deadlineAt = performance.now() + timeoutMs;
    const call = new PendingCall(site.contract, site.method, resolve, reject, deadlineAt, timeoutMs, options.signal);
    this.calls.set(id, call);
    if (deadlineAt < this.sweepAt) this.watch(deadlineAt);
    const { signal } = options;
    if (signal !== undefined) {
      call.abort = () => {
        if (this.take(id) === undefined) return;
        const error = this.abortError(call, signal);
        call.reject(error);
        if (error.code === 'CALL_TIMEOUT') this.onDeadline(error);
      };
      signal.addEventListener('abort', call.abort, { once: true });
    }
    return id;
  }

  /** Settles call `id` with its value; false when no such call waits. */
  resolve(id: number, value: unknown): boolean {
    const call = this.take(id);
    call?.resolve(value);
    return call !== undefined;
  }

  /** Fails call `id` with the error the plugin reported; false when no such call waits. */
  fail(id: number, wire: WireError): boolean {
    const call = this.take(id);
    call?.reject(callFailure(this.subject, call, fromWireError(wire)));
    return call !== undefined;
  }

  reject(id: number, error: PluginError): void {
    this.take(id)?.reject(error);
  }

  /** Every call waiting rejects: the plugin has ended for `error`. */
  rejectAll(error: PluginError): void {
    for (const id of [...this.calls.keys()]) {
      const call = this.take(id) as PendingCall;
      call.reject(siteError(this.subject, error.code, call, `did not finish: ${error.message}`, error));
    }
    if (this.sweep !== undefined) clearTimeout(this.sweep);
    this.sweep = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
  }

  abortError(site: CallSite, signal: AbortSignal): PluginError {
    return abortFailure(this.subject, site, signal);
  }

  private take(id: number): PendingCall | undefined {
    const call = this.calls.get(id);
    if (call === undefined) return undefined;
    this.calls.delete(id);
    if (call.abort !== undefined) call.signal?.removeEventListener('abort', call.abort);
    if (this.calls.size === 0) this.onIdle();
    return call;
  }

  private watch(at: number): void {
    if (!Number.isFinite(at)) return;
    if (this.sweep !== undefined) clearTimeout(this.sweep);
    this.sweepAt = at;
    this.sweep = setTimeout(() => this.expire(), Math.max(0, at - performance.now()));
    this.sweep.unref();
  }

  private expire(): void {
    this.sweep = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, call] of this.calls) {
      if (call.deadlineAt <= now) {
        this.take(id);
        const error = siteError(this.subject, 'CALL_TIMEOUT', call, `did not settle within ${call.timeoutMs} ms`);
        call.reject(error);
        return void this.onDeadline(error);
      }
      if (call.deadlineAt < next) next = call.deadlineAt;
    }
    this.watch(next);
  }
}
