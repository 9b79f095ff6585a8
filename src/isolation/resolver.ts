import { existsSync, realpathSync } from 'node:fs';
import Module, { createRequire, register } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

// Makes `import ... from 'plugboard'` (and `require('plugboard')`) inside a plugin resolve to
// the host's own copy, wherever the plugin's folder lives, as `vscode` resolves for VS Code
// extensions.
//
// When Node's own resolution from the folder already finds this copy (a plugin inside the
// host's project), nothing is added. Otherwise the folder becomes a root: a resolve hook
// (module.register) answers `import` from modules under it, and a wrapper of CommonJS
// resolution answers `require`, which those hooks do not see on Node 20 (CommonJS plugins,
// and ES modules a loader such as tsx compiles to CommonJS). Both are process-wide by nature
// and slow every later import a little, which is why this module sets them up lazily, once.

const here = fileURLToPath(import.meta.url);
const selfUrl = pathToFileURL(join(here, '..', '..', `index${extname(here)}`)).href;
let selfPath: string | undefined;
let channel: HookChannel | undefined;
const roots = new Set<string>();

/** Ensures `import 'plugboard'` from modules under `folder` (a real path) gets this copy. */
export async function ensurePlugboardResolves(folder: string): Promise<void> {
  if (resolvesToSelf(folder)) return;
  const root = folder.endsWith(sep) ? folder : folder + sep;
  if (roots.size === 0) redirectRequire();
  roots.add(root);
  channel ??= openHookChannel();
  await channel.addRoot(pathToFileURL(root).href);
}

let self: Promise<unknown> | undefined;
/** This copy of plugboard's module, as a plugin importing it inline gets it. */
export function hostModule(): Promise<unknown> {
  // Kept: once resolve hooks are registered, every import() pays a round trip to their thread.
  self ??= import(selfUrl);
  return self;
}

type ResolveFilename = (
  request: string,
  parent: { filename?: string | null } | undefined,
  ...rest: unknown[]
) => string;

function redirectRequire(): void {
  const cjs = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = cjs._resolveFilename;
  cjs._resolveFilename = function resolveFilename(this: unknown, request, parent, ...rest) {
    const from = parent?.filename;
    if (request === 'plugboard' && typeof from === 'string' && isUnderRoot(from)) return selfPath as string;
    return original.call(this, request, parent, ...rest);
  };
}

function isUnderRoot(file: string): boolean {
  for (const root of roots) if (file.startsWith(root)) return true;
  return false;
}

// A folder with neither a package.json nor a node_modules resolves bare names as its parent
// does, so sibling plugins share one answer.
const resolvedFromParent = new Map<string, boolean>();

export function resolvesToSelf(folder: string): boolean {
  selfPath ??= realpathSync(fileURLToPath(selfUrl));
  // A root only became one because it did not; asking again would meet our own redirect.
  if (roots.has(folder.endsWith(sep) ? folder : folder + sep)) return false;
  const plain = !existsSync(join(folder, 'package.json')) && !existsSync(join(folder, 'node_modules'));
  const known = plain ? resolvedFromParent.get(dirname(folder)) : undefined;
  if (known !== undefined) return known;
  let answer: boolean;
  try {
    answer = realpathSync(createRequire(join(folder, 'index.js')).resolve('plugboard')) === selfPath;
  } catch {
    answer = false;
  }
  if (plain) resolvedFromParent.set(dirname(folder), answer);
  return answer;
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
