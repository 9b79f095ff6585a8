// Entry of a plugin's worker thread. Everything between host and worker goes through two
// shared-memory rings, handed over in the first message on the worker's port; after that, a
// message on the port is only a doorbell. After each call the worker keeps checking the ring for
// a short while, so back-to-back calls skip the event loop hop that makes a postMessage round
// trip cost 20–50 µs. Then it sleeps, and the host rings.

import { deserialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { encodePayload } from '../protocol/codec.js';
import type { HostMessage, RuntimeMessage } from '../protocol/messages.js';
import { Fragments, RECORD, type RingPair, RingReader, type RingRecord, RingWriter, utf8 } from '../protocol/ring.js';
import { toWireError } from '../protocol/wire-error.js';
import { currentThreadId } from '../util/thread-id.js';
import { createRuntime, type Reply, type RuntimePort } from './plugin-runtime.js';
import { sealWorker } from './worker-seal.js';

sealWorker();

const SPIN_MS = 0.25;
/** Until the start message says otherwise. */
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const host = parentPort as NonNullable<typeof parentPort>;
// Captured now: plugin code that later replaces the port's method would otherwise see the port.
const postMessage = Function.prototype.call.bind(host.postMessage) as (port: unknown, message: unknown) => void;
const ringHost = () => postMessage(host, 0);

let calls: RingReader | undefined;
let answers: RingWriter | undefined;
let fragments: Fragments | undefined;
let maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

const tooLarge = (size: number, text?: string) =>
  size > maxMessageBytes && (text === undefined || Buffer.byteLength(text) > maxMessageBytes);

const written = () => {
  if ((answers as RingWriter).wakeNeeded()) ringHost();
};

const port: RuntimePort = {
  send(message: RuntimeMessage) {
    const text = JSON.stringify(message);
    if (tooLarge(text.length, text)) return false;
    (answers as RingWriter).write(RECORD.MESSAGE, 0, 0, text);
    written();
    return true;
  },
  die(message, code) {
    port.send(message);
    process.exit(code);
  },
};
const runtime = createRuntime(port);

const ringReply: Reply = {
  value(id, value, encoding) {
    const ring = answers as RingWriter;
    if (typeof value === 'number') ring.writeNumbers(RECORD.RESULT_NUMBER, 0, id, value);
    else {
      const payload = encodePayload(value, encoding);
      const size = typeof payload === 'string' ? payload.length : payload.byteLength;
      if (tooLarge(size, typeof payload === 'string' ? payload : undefined)) return false;
      ring.write(encoding === 'json' ? RECORD.RESULT_JSON : RECORD.RESULT_V8, 0, id, payload);
    }
    written();
    return true;
  },
  error(id, error) {
    (answers as RingWriter).write(RECORD.ERROR, 0, id, JSON.stringify(toWireError(error)));
    written();
  },
};

host.on('message', (message: { rings?: RingPair }) => {
  if (calls === undefined) return attach(message.rings as RingPair);
  // A doorbell: calls wait, or the host has made room for what waits to be written.
  if ((answers as RingWriter).backlog > 0) {
    (answers as RingWriter).flush();
    written();
  }
  serve();
});

function attach(rings: RingPair): void {
  calls = new RingReader(rings.calls);
  answers = new RingWriter(rings.answers);
  fragments = new Fragments(Number.MAX_SAFE_INTEGER);
  port.send({ type: 'hello', thread: currentThreadId() });
  serve();
}

// One record from the host. The host is trusted; a record that does not hold together was
// scribbled on by the plugin's own code, and ends the worker like any uncaught error.
function receive(record: RingRecord, payload: Uint8Array | undefined): boolean {
  const ring = calls as RingReader;
  const text = () => (payload === undefined ? ring.text(record) : utf8(payload));
  switch (record.kind) {
    case RECORD.MESSAGE: {
      const message = JSON.parse(text()) as HostMessage;
      if (message.type === 'start') maxMessageBytes = message.maxMessageBytes;
      runtime.handle(message);
      return false;
    }
    case RECORD.CALL_NUMBERS:
    case RECORD.CALL_JSON:
    case RECORD.CALL_V8: {
      const args =
        record.kind === RECORD.CALL_NUMBERS
          ? ring.numbers(record)
          : record.kind === RECORD.CALL_JSON
            ? (JSON.parse(text()) as unknown[])
            : (deserialize(payload ?? ring.copy(record)) as unknown[]);
      const target = runtime.methods[record.index];
      if (target === undefined) {
        ringReply.error(record.id, new Error(`no method at index ${record.index}`));
        return true;
      }
      return runtime.call(record.id, target.contract, target.method, args, ringReply);
    }
    default:
      throw new Error(`the calls ring holds a record of kind ${record.kind}`);
  }
}

// Frees a record's space, and tells the host if it waits for room to write more.
function release(): void {
  const ring = calls as RingReader;
  ring.release();
  if (ring.roomWanted()) ringHost();
}

/** Serves every record waiting in the ring; returns how many, and whether one is still running. */
function drain(): { served: number; async: boolean } {
  const ring = calls as RingReader;
  let served = 0;
  let async = false;
  for (let record = ring.read(); record !== undefined; record = ring.read()) {
    if ('problem' in record) throw new Error(`the calls ring has ${record.problem}`);
    served++;
    let sync: boolean;
    if (record.more || (fragments as Fragments).joining) {
      const whole = (fragments as Fragments).add(ring, record);
      release();
      if (whole === undefined) continue;
      if ('problem' in whole) throw new Error(`the calls ring has ${whole.problem}`);
      sync = receive(record, whole);
    } else {
      // Read before the space is freed: the payload lives in the ring.
      sync = receive(record, undefined);
      release();
    }
    if (!sync) async = true;
  }
  return { served, async };
}

let serving = false;

function serve(): void {
  if (serving || calls === undefined) return;
  serving = true;
  try {
    spin();
  } finally {
    serving = false;
  }
}

// Serves calls until none has come for SPIN_MS, then sleeps until the host's doorbell.
function spin(): void {
  const ring = calls as RingReader;
  let lastCall = performance.now();
  for (;;) {
    const { served, async } = drain();
    const now = performance.now();
    if (served > 0) lastCall = now;
    // Answers of async methods, and messages, need the event loop: let it run.
    if (async) return void setImmediate(serve);
    if (now - lastCall > SPIN_MS) break;
  }
  if (!ring.sleep()) setImmediate(serve);
}
