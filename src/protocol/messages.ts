// The wire protocol between a host and a plugin running in a worker or child process.
// Every message is one member of a discriminated union; values inside are Packed (codec.ts).

import type { Packed } from './codec.js';
import type { WireError } from './wire-error.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A contract the plugin may `ctx.use()`: its id and method names. */
export interface UsableContract {
  readonly id: string;
  readonly methods: readonly string[];
}

export interface StartMessage {
  readonly type: 'start';
  readonly name: string;
  readonly version: string;
  /** The entry module as the runtime imports it (inside the plugin's view when it has one). */
  readonly entry: string;
  readonly config: Packed;
  readonly contracts: readonly UsableContract[];
  /** The keys of the manifest's `requires`: what `ctx.use()` may ask for. */
  readonly requires: readonly string[];
  readonly importTimeoutMs: number;
  readonly setupTimeoutMs: number;
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
  | { readonly type: 'stop'; readonly timeoutMs: number }
  /** Calls wait in the shared-memory ring, and the worker was idle. */
  | { readonly type: 'wake' };

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

export type FatalKind = 'uncaught-exception' | 'unhandled-rejection';

export type RuntimeMessage =
  | { readonly type: 'hello' }
  /** Answers wait in the shared-memory ring, and the host had stopped checking it. */
  | { readonly type: 'wake' }
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
    }
  | { readonly type: 'state'; readonly id: number; readonly value: Packed }
  | { readonly type: 'state-error'; readonly id: number; readonly error: WireError }
  | { readonly type: 'stopped'; readonly error: WireError | undefined }
  | { readonly type: 'fatal'; readonly kind: FatalKind; readonly error: WireError };
