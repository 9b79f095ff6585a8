// Entry of a plugin's child process. It speaks to the host in length-prefixed JSON frames on a
// pipe of its own (file descriptor 3); values JSON would change travel V8-serialised (codec.ts).
// It ends when the host goes away.

import { Socket } from 'node:net';
import { encodeFrame, FrameReader } from '../protocol/frame.js';
import type { HostMessage, RuntimeMessage } from '../protocol/messages.js';
import { createRuntime, type RuntimePort } from './plugin-runtime.js';

const CHANNEL_FD = 3;
/** Until the start message says otherwise. */
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** How long a dying child waits for its last words to reach the host. */
const LAST_WORDS_MS = 1_000;

const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
let maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

const write = (message: RuntimeMessage, done?: () => void): boolean => {
  const frame = encodeFrame(JSON.stringify(message));
  if (frame.length - 4 > maxMessageBytes) return false;
  channel.write(frame, done === undefined ? undefined : () => done());
  return true;
};

const port: RuntimePort = {
  send: (message) => write(message),
  die(message, code) {
    const exit = () => process.exit(code);
    setTimeout(exit, LAST_WORDS_MS).unref();
    if (!write(message, exit)) exit();
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

// The host is trusted to send frames; one that does not hold together ends the child.
const reader = new FrameReader(Number.MAX_SAFE_INTEGER);
channel.on('data', (chunk: Buffer) => {
  const problem = reader.push(chunk, (text) => {
    const message = JSON.parse(text) as HostMessage;
    if (message.type === 'start') maxMessageBytes = message.maxMessageBytes;
    if (waiting === undefined) runtime.handle(message);
    else waiting.push(message);
  });
  if (problem !== undefined) throw new Error(`the host's channel carried ${problem.what}`);
});
channel.on('error', () => process.exit(0));
channel.on('close', () => process.exit(0));
write({ type: 'hello', thread: undefined });
