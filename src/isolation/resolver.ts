import { realpathSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { extname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

// Makes `import ... from 'plugboard'` inside a plugin resolve to the host's own copy, wherever
// the plugin's folder lives, as `vscode` resolves for VS Code extensions.
//
// When Node's own resolution from the folder already finds this copy (a plugin inside the
// host's project), nothing is added. Otherwise a resolve hook is registered, once per process
// and copy of plugboard, and told about the folder. Hooks are process-wide by nature and slow
// every later import a little, which is why this module keeps one lazily made channel.

const here = fileURLToPath(import.meta.url);
const selfUrl = pathToFileURL(join(here, '..', '..', `index${extname(here)}`)).href;
let selfPath: string | undefined;
let channel: HookChannel | undefined;

/** Ensures `import 'plugboard'` from modules under `folder` (a real path) gets this copy. */
export async function ensurePlugboardResolves(folder: string): Promise<void> {
  if (resolvesToSelf(folder)) return;
  channel ??= openHookChannel();
  await channel.addRoot(pathToFileURL(folder.endsWith(sep) ? folder : folder + sep).href);
}

function resolvesToSelf(folder: string): boolean {
  selfPath ??= realpathSync(fileURLToPath(selfUrl));
  try {
    return realpathSync(createRequire(join(folder, 'index.js')).resolve('plugboard')) === selfPath;
  } catch {
    return false;
  }
}

interface HookChannel {
  addRoot(root: string): Promise<void>;
}

function openHookChannel(): HookChannel {
  const { port1, port2 } = new MessageChannel();
  register(new URL(`./resolve-hooks${extname(here)}`, import.meta.url), {
    data: { self: selfUrl, port: port2 },
    transferList: [port2],
  });
  const waiting = new Map<number, () => void>();
  const added = new Map<string, Promise<void>>();
  let nextId = 0;
  port1.on('message', (id: number) => {
    waiting.get(id)?.();
    waiting.delete(id);
    if (waiting.size === 0) port1.unref();
  });
  port1.unref();
  return {
    addRoot(root) {
      let done = added.get(root);
      if (done === undefined) {
        done = acknowledge(port1, waiting, nextId++, root);
        added.set(root, done);
      }
      return done;
    },
  };
}

// Resolves once the hooks thread has the root, so the import that follows sees it.
function acknowledge(port: MessagePort, waiting: Map<number, () => void>, id: number, root: string): Promise<void> {
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    port.ref();
    port.postMessage({ id, root });
  });
}
