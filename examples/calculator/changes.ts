import type { Disposer, HostEvents, PluginError, PluginRef } from 'plugboard';

// Which of the host's events are news for someone at the REPL while the plugin folders are watched.

/** Something that happened to a plugin, as the calculator reports it. */
export type PluginEvent =
  /** A plugin folder appeared (or was fixed after failing) and its plugin started. */
  | { readonly kind: 'loaded'; readonly plugin: PluginRef }
  /** A new version of a plugin took over from `previous`. */
  | { readonly kind: 'reloaded'; readonly plugin: PluginRef; readonly previous: PluginRef }
  /** A new version did not start or was refused; `plugin`, the version before, keeps serving. */
  | {
      readonly kind: 'reload-failed';
      readonly plugin: PluginRef;
      readonly attempted: PluginRef | undefined;
      readonly error: PluginError;
    }
  /** A plugin that appeared, or was being restarted, did not start. */
  | { readonly kind: 'failed'; readonly plugin: PluginRef; readonly error: PluginError }
  /** A plugin folder was removed and its plugin stopped. */
  | { readonly kind: 'removed'; readonly plugin: PluginRef };

interface EventSource {
  on<Name extends keyof HostEvents>(name: Name, listener: (event: HostEvents[Name]) => void): Disposer;
}

/**
 * Turns host events into plugin events. The transitions a reload makes (`reload: true`) are left
 * to the event that says how the reload ended.
 * A plugin that ends on its own and is restarted is no news either; the calls that fail meanwhile
 * say so, and only a restart that fails is reported.
 */
export function followPlugins(host: EventSource, report: (event: PluginEvent) => void): () => void {
  const restarting = new Set<string>();
  const stops = [
    host.on('reloaded', ({ previous, next }) => report({ kind: 'reloaded', plugin: next, previous })),
    host.on('reload-failed', ({ plugin, attempted, error }) =>
      report({ kind: 'reload-failed', plugin, attempted, error }),
    ),
    host.on('restarting', ({ plugin }) => restarting.add(plugin.name)),
    host.on('active', ({ plugin, reload }) => {
      if (reload || restarting.delete(plugin.name)) return;
      report({ kind: 'loaded', plugin });
    }),
    host.on('failed', ({ plugin, from, error, reload }) => {
      // From `active`, the plugin ended on its own; `restarting` follows if it is started again.
      if (reload || from === 'active' || error === undefined) return;
      restarting.delete(plugin.name);
      report({ kind: 'failed', plugin, error });
    }),
    host.on('unloaded', ({ plugin }) => report({ kind: 'removed', plugin })),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
