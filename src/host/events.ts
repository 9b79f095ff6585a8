import type { PluginError } from '../errors.js';
import type { PluginState } from '../lifecycle/machine.js';

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
}

/** Every event a host emits: one per target state, and `transition` for all of them. */
export type HostEvents = { readonly [State in PluginState]: TransitionEvent } & {
  readonly transition: TransitionEvent;
};
