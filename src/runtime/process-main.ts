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
process.on('message', (message) => runtime.handle(message as HostMessage));
process.on('disconnect', () => process.exit(0));
// Most plugins import plugboard's plugin API: load it while the child waits for its plugin, so a
// warm child (see the pool in isolation/process.ts) has it ready.
void import(new URL('../plugin-api.js', import.meta.url).href).catch(() => {});
send({ type: 'hello' });
