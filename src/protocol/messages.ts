// The wire protocol between a host and a plugin running in a worker or child process.
// Every message is one member of a discriminated union; values inside are Packed (codec.ts).
// What a plugin sends is checked against this protocol before the host reads it (check.ts).

import type { Packed } from './codec.js';
import type { WireError } from './wire-error.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A contract the plugin may `ctx.use()`: its id and method names. */
export interface UsableContract {
  readonly id: string;
  readonly methods: readonly string[];
}

/** What a plugin may send unasked each second; its runtime drops the rest before sending. */
export interface SendBudget {
  readonly messagesPerSecond: number;
  readonly bytesPerSecond: number;
}

export interface StartMessage {
  readonly type: 'start';
  readonly name: string;
  readonly version: string;
  /** The entry module as the runtime imports it (inside the plugin's view when it has one). */
  readonly entry: string;
  /**
   * The entry as CommonJS, made from the bytes the host verified against the manifest's
   * `integrity`: the runtime runs this rather than reading the file again.
   */
  readonly verified: { readonly code: string; readonly esm: boolean } | undefined;
  readonly config: Packed;
  readonly contracts: readonly UsableContract[];
  /** The keys of the manifest's `requires`: what `ctx.use()` may ask for. */
  readonly requires: readonly string[];
  readonly importTimeoutMs: number;
  readonly setupTimeoutMs: number;
  readonly budget: SendBudget;
  /** The largest message either side may send; a larger result fails its call instead. */
  readonly maxMessageBytes: number;
}

export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  readonly contract: string;
  readonly method: string;
  readonly args: Packed;
}

export type HostMessage =
  | StartMessage
  | CallMessage
  | { readonly type: 'use-result'; readonly id: number; readonly value: Packed }
  | { readonly type: 'use-error'; readonly id: number; readonly error: WireError }
  | { readonly type: 'export-state'; readonly id: number }
  | { readonly type: 'import-state'; readonly id: number; readonly state: Packed }
  | { readonly type: 'stop'; readonly timeoutMs: number };

/** What `setup()` returned for one contract: its static fields and its method names. */
export interface ImplementationShape {
  readonly meta: Packed;
  readonly methods: readonly string[];
  /** Fields that are neither methods nor cloneable, reported so the contract check can name them. */
  readonly opaque: readonly string[];
}

/** Which hot-reload hooks a plugin defines. */
export interface StateHooks {
  readonly exportState: boolean;
  readonly importState: boolean;
}

export const FATAL_KINDS = ['uncaught-exception', 'unhandled-rejection'] as const;
export type FatalKind = (typeof FATAL_KINDS)[number];

export type RuntimeMessage =
  /** The runtime is loaded and waits for its plugin; `thread` is a worker's Linux thread id. */
  | { readonly type: 'hello'; readonly thread: number | undefined }
  | {
      readonly type: 'ready';
      readonly implementations: Readonly<Record<string, ImplementationShape>>;
      readonly hooks: StateHooks;
    }
  | { readonly type: 'start-failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly value: Packed }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError }
  | {
      readonly type: 'use';
      readonly id: number;
      readonly contract: string;
      readonly name: string | undefined;
      readonly method: string;
      readonly args: Packed;
    }
  | {
      readonly type: 'log';
      readonly level: LogLevel;
      readonly message: string;
      readonly fields: Packed | undefined;
      /** Log entries and `ctx.use()` requests the runtime dropped over budget since its last log. */
      readonly dropped: number;
    }
  | { readonly type: 'state'; readonly id: number; readonly value: Packed }
  | { readonly type: 'state-error'; readonly id: number; readonly error: WireError }
  | { readonly type: 'stopped'; readonly error: WireError | undefined }
  | { readonly type: 'fatal'; readonly kind: FatalKind; readonly error: WireError };
