import { startPlugin } from '../runtime/start-plugin.js';
import { importEntry, warmFreshImport } from './fresh-import.js';
import { ensurePlugboardResolves } from './resolver.js';
import type { Isolation, PluginInstance, StartRequest } from './types.js';

export interface InlineOptions {
  /** Called when a start left module code behind that Node will never free. */
  readonly onRetained?: (request: StartRequest) => void;
}

/**
 * Runs plugins on the host's own thread: the fastest calls, and no protection. For trusted
 * plugins. A plugin's first start imports its entry; every later one (a reload, a load after an
 * unload) evaluates fresh code that is freed with it (see fresh-import.ts).
 */
export function createInlineIsolation(options: InlineOptions = {}): Isolation {
  return {
    mode: 'inline',
    start: (request) => startInline(request, options),
    // Reloads are expected: start the bundler now rather than on the first one.
    keepSpare(on) {
      if (on) void warmFreshImport().catch(() => {});
    },
  };
}

async function startInline(request: StartRequest, options: InlineOptions): Promise<PluginInstance> {
  await ensurePlugboardResolves(request.folder);
  const importer = (entry: string) => importEntry(entry, () => options.onRetained?.(request), request.verifiedSource);
  const started = await startPlugin({
    name: request.name,
    version: request.version,
    entry: request.entry,
    importer,
    importTimeoutMs: request.importTimeoutMs,
    setupTimeoutMs: request.setupTimeoutMs,
    context: { name: request.name, version: request.version, ...request.context },
  });
  return {
    implementations: started.implementations,
    remote: undefined,
    hooks: started.hooks,
    exportState: started.exportState,
    importState: started.importState,
    stop: started.stop,
  };
}
