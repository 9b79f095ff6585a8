// Closes, before any plugin code runs in a worker, the ways plugin code could reach the objects
// plugboard's runtime holds (the shared-memory rings): the inspector, which can query every
// object of the thread and also drive the host's main thread (`connectToMainThread()`), and
// `process.binding()`, which hands out the inspector's internals. A worker is still not a
// sandbox (see docs/security.md); this keeps plugboard's channel out of the plugin's reach.

import inspector from 'node:inspector';
import inspectorPromises from 'node:inspector/promises';
import { syncBuiltinESMExports } from 'node:module';

function denied(what: string): Error {
  return Object.assign(new Error(`${what} is not available to a plugin in a worker`), {
    code: 'ERR_ACCESS_DENIED',
    permission: 'Inspector',
  });
}

class ClosedSession {
  constructor() {
    throw denied('node:inspector');
  }
}

const fixed = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, writable: false, configurable: false, enumerable: true });

/** Called first thing in the worker. */
export function sealWorker(): void {
  fixed(inspector, 'Session', ClosedSession);
  fixed(inspector, 'open', () => {
    throw denied('inspector.open()');
  });
  fixed(inspectorPromises, 'Session', ClosedSession);
  fixed(process, 'binding', () => {
    throw denied('process.binding()');
  });
  syncBuiltinESMExports();
}
