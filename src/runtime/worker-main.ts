// Entry of a plugin's worker thread. Calls arrive on a shared-memory ring; after each one the
// worker keeps checking the ring for a short while, so back-to-back calls skip the event loop
// hop that makes a postMessage round trip cost 20–50 µs. Then it sleeps, and the host wakes it
// with a message.

import { parentPort, workerData } from 'node:worker_threads';
import { decodePayload, encodePayload } from '../protocol/codec.js';
import type { HostMessage, RuntimeMessage } from '../protocol/messages.js';
import { RECORD, Ring, type RingPair } from '../protocol/ring.js';
import { toWireError } from '../protocol/wire-error.js';
import { createRuntime, type Reply, type RuntimePort } from './plugin-runtime.js';

const SPIN_MS = 0.25;

const host = parentPort as NonNullable<typeof parentPort>;
const rings = (workerData as { rings: RingPair }).rings;
const calls = new Ring(rings.calls);
const answers = new Ring(rings.answers);

const port: RuntimePort = {
  clones: true,
  send: (message: RuntimeMessage) => host.postMessage(message),
  die(message, code) {
    host.postMessage(message);
    process.exit(code);
  },
};
const runtime = createRuntime(port);
host.on('message', (message: HostMessage) => {
  if (message.type === 'wake') serve();
  else runtime.handle(message);
});

const ringReply: Reply = {
  value(id, value, json) {
    const written =
      typeof value === 'number'
        ? answers.writeNumbers(RECORD.RESULT_NUMBER, 0, id, value)
        : answers.write(json ? RECORD.RESULT_JSON : RECORD.RESULT_V8, 0, id, encodePayload(value, json));
    if (!written) port.send({ type: 'result', id, value: { j: value } });
    else if (answers.wakeNeeded()) port.send({ type: 'wake' });
  },
  error(id, error) {
    const wire = toWireError(error);
    if (!answers.write(RECORD.ERROR, 0, id, JSON.stringify(wire))) port.send({ type: 'error', id, error: wire });
    else if (answers.wakeNeeded()) port.send({ type: 'wake' });
  },
};

/** Serves every call waiting in the ring; returns how many, and whether one is still running. */
function drain(): { served: number; async: boolean } {
  let served = 0;
  let async = false;
  for (let record = calls.read(); record !== undefined; record = calls.read()) {
    const args =
      record.kind === RECORD.CALL_NUMBERS
        ? calls.numbers(record)
        : (decodePayload(calls.bytes, record.start, record.end, record.kind === RECORD.CALL_JSON) as unknown[]);
    calls.release();
    const target = runtime.methods[record.index];
    served++;
    if (target === undefined) {
      ringReply.error(record.id, new Error(`no method at index ${record.index}`));
      continue;
    }
    if (!runtime.call(record.id, target.contract, target.method, args, ringReply)) async = true;
  }
  return { served, async };
}

let serving = false;

function serve(): void {
  if (serving) return;
  serving = true;
  try {
    spin();
  } finally {
    serving = false;
  }
}

// Serves calls until none has come for SPIN_MS, then sleeps until the host's wake message.
function spin(): void {
  let lastCall = performance.now();
  for (;;) {
    const { served, async } = drain();
    const now = performance.now();
    if (served > 0) lastCall = now;
    // Answers of async methods, and messages, need the event loop: let it run.
    if (async) return void setImmediate(serve);
    if (now - lastCall > SPIN_MS) break;
  }
  if (!calls.sleep()) setImmediate(serve);
}

port.send({ type: 'hello' });
serve();
