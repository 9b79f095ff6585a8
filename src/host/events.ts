import type { PluginError } from '../errors.js';
import type { PoolState, StuckReport } from '../isolation/types.js';
import type { PluginState } from '../lifecycle/machine.js';
import type { ReloadReport } from './reload.js';

/** Which plugin an event is about. The name is the folder's when the manifest could not be read. */
export interface PluginRef {
  readonly name: string;
  readonly version: string | undefined;
  readonly path: string;
}

/** A plugin moved from one lifecycle state to another (`from` is undefined when it was just found). */
export interface TransitionEvent {
  readonly plugin: PluginRef;
  readonly from: PluginState | undefined;
  readonly to: PluginState;
  /** Why, when `to` is `failed`. */
  readonly error: PluginError | undefined;
  /**
   * True for the versions a reload moves: the new one starting beside the one serving, and the
   * old one stopping after the switch. The name's state does not change with them; `reloaded` or
   * `reload-failed` says how the reload ended.
   */
  readonly reload: boolean;
}

/** A plugin's worker or process ended on its own, and the host will start it again after `delayMs`. */
export interface RestartEvent {
  readonly plugin: PluginRef;
  /** 1 for the first restart within the policy's window. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Why it ended. */
  readonly error: PluginError;
}

/** A reload of this plugin began; the version named keeps serving until the switch. */
export interface ReloadingEvent {
  readonly plugin: PluginRef;
}

/** A reload did not switch: the version named keeps serving, unchanged. */
export interface ReloadFailedEvent {
  readonly plugin: PluginRef;
  /** The new version, when its manifest could be read. */
  readonly attempted: PluginRef | undefined;
  readonly error: PluginError;
}

/** A plugin left the host: unloaded, or its folder removed while watched. */
export interface UnloadedEvent {
  readonly plugin: PluginRef;
}

/**
 * A plugin's worker was terminated and its thread did not end: a system call holds it. Node waits
 * for every worker thread before the process exits, so a host with a stuck worker cannot exit
 * until the call returns; plugboard releases what it can (`unblocked`).
 */
export interface StuckEvent {
  readonly plugin: PluginRef;
  readonly report: StuckReport;
}

/**
 * Every event a host emits: one per target state, `transition` for all of them, `restarting`,
 * `pool`, and the reload events.
 */
export type HostEvents = { readonly [State in PluginState]: TransitionEvent } & {
  readonly transition: TransitionEvent;
  readonly restarting: RestartEvent;
  readonly reloading: ReloadingEvent;
  /** A new version serves; the old one has drained and stopped. */
  readonly reloaded: ReloadReport;
  readonly 'reload-failed': ReloadFailedEvent;
  readonly unloaded: UnloadedEvent;
  /** Process mode's pool of warm children changed: one became ready, was taken, or ended. */
  readonly pool: PoolState;
  readonly stuck: StuckEvent;
};
