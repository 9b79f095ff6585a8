// Module-customization hooks, registered with `module.register()`: they run on Node's hooks
// thread, so this file imports nothing and talks to the host only through `data.port`.
import type { MessagePort } from 'node:worker_threads';

interface InitializeData {
  /** URL of the host's own plugboard entry. */
  readonly self: string;
  readonly port: MessagePort;
}

interface AddRoot {
  readonly id: number;
  /** File URL of a plugin folder, ending in `/`. */
  readonly root: string;
}

interface ResolveContext {
  readonly parentURL?: string | undefined;
}

type NextResolve = (specifier: string, context: ResolveContext) => unknown;

const roots = new Set<string>();
let self = '';

export function initialize(data: InitializeData): void {
  self = data.self;
  data.port.on('message', (message: AddRoot) => {
    roots.add(message.root);
    data.port.postMessage(message.id);
  });
  data.port.unref();
}

export function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): unknown {
  if (specifier === 'plugboard' && context.parentURL !== undefined && isInsideRoot(context.parentURL)) {
    return { url: self, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

function isInsideRoot(url: string): boolean {
  for (const root of roots) if (url.startsWith(root)) return true;
  return false;
}
