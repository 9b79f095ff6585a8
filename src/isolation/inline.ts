import { startPlugin } from '../runtime/start-plugin.js';
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
  await ensurePlugboardResolves(request.folder);
  const started = await startPlugin({
    name: request.name,
    version: request.version,
    entry: request.entry,
    importTimeoutMs: request.importTimeoutMs,
    setupTimeoutMs: request.setupTimeoutMs,
    context: { name: request.name, version: request.version, ...request.context },
  });
  return {
    implementations: started.implementations,
    remote: undefined,
    exportState: started.exportState,
    importState: started.importState,
    stop: started.stop,
  };
}
