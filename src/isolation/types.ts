import type { Logger, PluginContext } from '../contract/define-plugin.js';
import type { IsolationMode } from '../manifest/schema.js';

/** The parts of a plugin's `ctx` that the host provides; the isolation adds the abort signal. */
export interface ContextSource {
  readonly logger: Logger;
  readonly config: Readonly<Record<string, unknown>>;
  readonly use: PluginContext['use'];
}

/** Everything an isolation needs to start one plugin. Paths are real (symlinks resolved). */
export interface StartRequest {
  readonly name: string;
  readonly version: string;
  readonly folder: string;
  readonly entry: string;
  readonly context: ContextSource;
  readonly importTimeoutMs: number;
  readonly setupTimeoutMs: number;
}

/** A started plugin, whatever boundary it runs behind. */
export interface PluginInstance {
  /**
   * Contract id → implementation, as `setup()` returned them. Across a boundary, methods
   * are stand-ins that forward the call; metadata is a copy.
   */
  readonly implementations: Readonly<Record<string, unknown>>;
  /** The plugin's `exportState()` result, or `undefined` when it has none. */
  exportState(): Promise<unknown>;
  /** Hands state to the plugin's `importState()`; resolves at once when it has none. */
  importState(state: unknown): Promise<void>;
  /** Aborts `ctx.signal`, runs `teardown()` within `timeoutMs`, and releases the plugin. */
  stop(timeoutMs: number): Promise<void>;
}

/** One way of running plugins: same thread, worker thread, or child process. */
export interface Isolation {
  readonly mode: IsolationMode;
  start(request: StartRequest): Promise<PluginInstance>;
}
