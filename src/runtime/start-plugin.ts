import { pathToFileURL } from 'node:url';
import { describeInvalidPlugin, type PluginContext, type PluginDefinition } from '../contract/define-plugin.js';
import { describeValue, isPluginError, PluginError, type PluginErrorCode } from '../errors.js';
import type { StateHooks } from '../protocol/messages.js';
import { withTimeout } from '../util/timeout.js';

export interface PluginStart {
  readonly name: string;
  readonly version: string;
  /** An absolute path to the entry module. */
  readonly entry: string;
  readonly importTimeoutMs: number;
  readonly setupTimeoutMs: number;
  /** Everything of `ctx` but the signal, which is made here. */
  readonly context: Omit<PluginContext, 'signal'>;
  /** Evaluates the entry; Node's `import()` unless the isolation needs fresh code each time. */
  readonly importer?: (entry: string) => Promise<unknown>;
}

const importByUrl = (entry: string): Promise<unknown> => import(pathToFileURL(entry).href);

/** A plugin after `setup()`: what it returned, and how to stop it. */
export interface StartedPlugin {
  readonly implementations: Readonly<Record<string, unknown>>;
  readonly definition: PluginDefinition;
  readonly hooks: StateHooks;
  exportState(): Promise<unknown>;
  importState(state: unknown): Promise<void>;
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Imports a plugin's entry and runs its `setup()`, each within its budget, the same way in
 * every isolation mode: inline on the host's thread, or inside a worker or child process.
 */
export async function startPlugin(start: PluginStart): Promise<StartedPlugin> {
  const fail = (code: PluginErrorCode, message: string, cause?: unknown) =>
    new PluginError(code, message, { plugin: start.name, version: start.version, path: start.entry, cause });

  const imported = (start.importer ?? importByUrl)(start.entry).catch((error: unknown) => {
    // plugboard's own refusal to run the entry, not something the plugin's code threw.
    if (isPluginError(error) && error.code === 'INTEGRITY_UNVERIFIABLE') throw error;
    throw fail('ENTRY_IMPORT_FAILED', `importing ${start.entry} threw: ${describeValue(error)}`, error);
  });
  const module = (await withTimeout(imported, start.importTimeoutMs, () =>
    fail('LOAD_TIMEOUT', `importing ${start.entry} did not finish within ${start.importTimeoutMs} ms`),
  )) as { default?: unknown };

  const problem = describeInvalidPlugin(module.default);
  if (problem !== undefined) throw fail('PLUGIN_INVALID_EXPORT', problem);
  const plugin = module.default as PluginDefinition;

  const controller = new AbortController();
  const ctx: PluginContext = { ...start.context, signal: controller.signal };
  let implementations: unknown;
  try {
    implementations = await withTimeout(
      new Promise((resolve) => resolve(plugin.setup(ctx))).catch((error: unknown) => {
        throw fail('SETUP_FAILED', `setup threw: ${describeValue(error)}`, error);
      }),
      start.setupTimeoutMs,
      () => fail('SETUP_TIMEOUT', `setup did not finish within ${start.setupTimeoutMs} ms`),
    );
  } catch (error) {
    controller.abort(error);
    throw error;
  }
  if (typeof implementations !== 'object' || implementations === null) {
    controller.abort();
    throw fail(
      'CONTRACT_NOT_IMPLEMENTED',
      `setup returned ${describeValue(implementations)}, expected an object of contract id → implementation`,
    );
  }

  return {
    implementations: implementations as Record<string, unknown>,
    definition: plugin,
    hooks: {
      exportState: typeof plugin.exportState === 'function',
      importState: typeof plugin.importState === 'function',
    },
    async exportState() {
      return plugin.exportState?.();
    },
    async importState(state) {
      await plugin.importState?.(state);
    },
    async stop(timeoutMs) {
      controller.abort(
        new PluginError('PLUGIN_NOT_ACTIVE', 'stopping', { plugin: start.name, version: start.version }),
      );
      if (plugin.teardown === undefined) return;
      const teardown = plugin.teardown.bind(plugin);
      await withTimeout(
        new Promise<void>((resolve) => resolve(teardown())).catch((error: unknown) => {
          throw fail('TEARDOWN_FAILED', `teardown threw: ${describeValue(error)}`, error);
        }),
        timeoutMs,
        () => fail('TEARDOWN_TIMEOUT', `teardown did not finish within ${timeoutMs} ms`),
      );
    },
  };
}
