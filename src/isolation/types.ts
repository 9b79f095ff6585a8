import type { AnyContract } from '../contract/define-contract.js';
import type { Logger, PluginContext } from '../contract/define-plugin.js';
import type { PluginError } from '../errors.js';
import type { IsolationMode, Manifest } from '../manifest/schema.js';
import type { StateHooks } from '../protocol/messages.js';

/** The parts of a plugin's `ctx` that the host provides; the isolation adds the abort signal. */
export interface ContextSource {
  readonly logger: Logger;
  readonly config: Readonly<Record<string, unknown>>;
  readonly use: PluginContext['use'];
}

/** The permissions a host grants one plugin. Only those the manifest also asks for are applied. */
export interface Grants {
  readonly fsRead?: boolean;
  readonly fsWrite?: boolean;
  readonly childProcess?: boolean;
  readonly worker?: boolean;
  readonly addons?: boolean;
}

/** Limits for a plugin's worker or child process. */
export interface ResourceLimits {
  /** V8 old-generation heap, in MiB: the worker's `resourceLimits`, the child's `--max-old-space-size`. */
  readonly heapMb: number;
  /** Process mode: the child's whole resident memory (Buffers included), in MiB, checked by the host. */
  readonly rssMb: number;
  /** The largest message either side may send, in MiB: a call's arguments, a result, a state. */
  readonly messageMb: number;
}

/** Everything an isolation needs to start one plugin. Paths are real (symlinks resolved). */
export interface StartRequest {
  readonly name: string;
  readonly version: string;
  readonly folder: string;
  readonly entry: string;
  /**
   * The entry's bytes as they were checked against the manifest's `integrity`. When set, the
   * isolation runs these bytes instead of reading the file again, so that what runs is what was
   * verified.
   */
  readonly verifiedSource?: Uint8Array | undefined;
  /** The `type` of the package.json nearest the plugin's folder, as Node would read it. */
  readonly moduleType?: 'module' | 'commonjs' | undefined;
  readonly manifest: Manifest;
  readonly context: ContextSource;
  /** The host's contracts, which `ctx.use()` may name. */
  readonly contracts: ReadonlyMap<string, AnyContract>;
  readonly importTimeoutMs: number;
  readonly setupTimeoutMs: number;
  readonly grants: Grants;
  readonly limits: ResourceLimits;
  /** Called once when the plugin's worker or process ends without being stopped. */
  readonly onEnd: (error: PluginError) => void;
  /** Called when its worker was terminated but does not end: a system call holds its thread. */
  readonly onStuck?: ((report: StuckReport) => void) | undefined;
}

/** A terminated worker whose thread did not end, and what was done about it. */
export interface StuckReport {
  /** The system call holding the thread (`openat`, `read`, `wait4`...), or `unknown`. */
  readonly syscall: string;
  /** What it waits on, as far as can be told: a path, a file descriptor. */
  readonly detail: string;
  /** Whether plugboard could release the thread (then it ends after all). */
  readonly unblocked: boolean;
}

/** What a plugin sent unasked that was over its budget and dropped. */
export interface Traffic {
  readonly dropped: number;
  readonly droppedBytes: number;
}

/** Per-call options for a plugin behind a boundary. */
export interface RemoteCallOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** Calls into a plugin behind a boundary; every failure is a PluginError naming the call. */
export interface RemoteCaller {
  call(contract: string, method: string, args: unknown[], options: RemoteCallOptions): Promise<unknown>;
}

/** A started plugin, whatever boundary it runs behind. */
export interface PluginInstance {
  /**
   * Contract id → implementation, as `setup()` returned them. Across a boundary, methods
   * are stand-ins that forward the call; metadata is a copy.
   */
  readonly implementations: Readonly<Record<string, unknown>>;
  /** Which hot-reload hooks the plugin defines, so that a reload asks only for what is there. */
  readonly hooks: StateHooks;
  /** How to call the plugin with a deadline, when it runs behind a boundary. */
  readonly remote: RemoteCaller | undefined;
  /**
   * The plugin's `exportState()` result, or `undefined` when it has none. Past `timeoutMs` it
   * rejects, and a plugin behind a boundary is ended (the hook may be stuck in a loop).
   */
  exportState(timeoutMs: number): Promise<unknown>;
  /** Hands state to the plugin's `importState()`; resolves at once when it has none. */
  importState(state: unknown, timeoutMs: number): Promise<void>;
  /** What it sent over its budget, for a plugin behind a boundary. */
  readonly traffic?: (() => Traffic) | undefined;
  /** Aborts `ctx.signal`, runs `teardown()` within `timeoutMs`, and releases the plugin. */
  stop(timeoutMs: number): Promise<void>;
}

/** Process mode's children kept ahead of need: how many there should be, how many are ready. */
export interface PoolState {
  readonly size: number;
  readonly warm: number;
}

/** One way of running plugins: same thread, worker thread, or child process. */
export interface Isolation {
  readonly mode: IsolationMode;
  start(request: StartRequest): Promise<PluginInstance>;
  /** The warm children, for an isolation that keeps some. */
  pool?(): PoolState;
  /**
   * Told when reloads become expected (a watcher starts: `true`) and when one claim on that ends
   * (`false`), so that it can prepare: a booted spare worker, a started bundler.
   */
  keepSpare?(on: boolean): void;
  /** Releases what the isolation keeps between plugins (a pool of warm processes). */
  close?(): Promise<void>;
}
