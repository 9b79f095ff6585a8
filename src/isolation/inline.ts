import { pathToFileURL } from 'node:url';
import { describeInvalidPlugin, type PluginContext, type PluginDefinition } from '../contract/define-plugin.js';
import { describeValue, PluginError, type PluginErrorCode } from '../errors.js';
import { withTimeout } from '../util/timeout.js';
import { ensurePlugboardResolves } from './resolver.js';
import type { Isolation, PluginInstance, StartRequest } from './types.js';

/**
 * Runs plugins on the host's own thread: the fastest calls, and no protection. For trusted
 * plugins. Node cannot unload an ES module, so stopping a plugin releases its implementations
 * but not its module code.
 */
export function createInlineIsolation(): Isolation {
  return { mode: 'inline', start: startInline };
}

async function startInline(request: StartRequest): Promise<PluginInstance> {
  const fail = (code: PluginErrorCode, message: string, cause?: unknown) =>
    new PluginError(code, message, { plugin: request.name, version: request.version, path: request.entry, cause });

  await ensurePlugboardResolves(request.folder);
  const imported = import(pathToFileURL(request.entry).href).catch((error: unknown) => {
    throw fail('ENTRY_IMPORT_FAILED', `importing ${request.entry} threw: ${describeValue(error)}`, error);
  });
  const module = (await withTimeout(imported, request.importTimeoutMs, () =>
    fail('LOAD_TIMEOUT', `importing ${request.entry} did not finish within ${request.importTimeoutMs} ms`),
  )) as { default?: unknown };

  const problem = describeInvalidPlugin(module.default);
  if (problem !== undefined) throw fail('PLUGIN_INVALID_EXPORT', problem);
  const plugin = module.default as PluginDefinition;

  const controller = new AbortController();
  const ctx: PluginContext = {
    name: request.name,
    version: request.version,
    logger: request.context.logger,
    config: request.context.config,
    signal: controller.signal,
    use: request.context.use,
  };
  let implementations: unknown;
  try {
    implementations = await withTimeout(
      new Promise((resolve) => resolve(plugin.setup(ctx))).catch((error: unknown) => {
        throw fail('SETUP_FAILED', `setup threw: ${describeValue(error)}`, error);
      }),
      request.setupTimeoutMs,
      () => fail('SETUP_TIMEOUT', `setup did not finish within ${request.setupTimeoutMs} ms`),
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
    async exportState() {
      return plugin.exportState?.();
    },
    async importState(state) {
      await plugin.importState?.(state);
    },
    async stop(timeoutMs) {
      controller.abort(
        new PluginError('PLUGIN_NOT_ACTIVE', 'stopping', { plugin: request.name, version: request.version }),
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
