// Entry of a plugin's child process. It speaks over Node's IPC channel in JSON; values JSON
// would change travel V8-serialised (codec.ts). It ends when the host goes away.

import type { HostMessage, RuntimeMessage } from '../protocol/messages.js';
import { createRuntime, type RuntimePort } from './plugin-runtime.js';

const send = (message: RuntimeMessage, done?: () => void) => {
  if (process.connected) process.send?.(message, undefined, {}, done);
  else done?.();
};

const port: RuntimePort = {
  clones: false,
  send: (message) => send(message),
  die(message, code) {
    send(message, () => process.exit(code));
  },
};
const runtime = createRuntime(port);
// Most plugins import plugboard's plugin API: load it while the child waits for its plugin, so a
// warm child (see the pool in isolation/process.ts) has it ready. Messages wait for it: a
// CommonJS plugin's require() of a module the loader is still evaluating fails on Node 20.
let waiting: HostMessage[] | undefined = [];
void import(new URL('../plugin-api.js', import.meta.url).href)
  .catch(() => {})
  .finally(() => {
    const queued = waiting ?? [];
    waiting = undefined;
    for (const message of queued) runtime.handle(message);
  });
process.on('message', (message) => {
  if (waiting === undefined) runtime.handle(message as HostMessage);
  else waiting.push(message as HostMessage);
});
process.on('disconnect', () => process.exit(0));
send({ type: 'hello' });
