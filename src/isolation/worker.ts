import { Worker } from 'node:worker_threads';
import { decodePayload, encodePayload } from '../protocol/codec.js';
import type { RuntimeMessage } from '../protocol/messages.js';
import { isNumberList, RECORD, Ring } from '../protocol/ring.js';
import { startRemote, type Transport, type TransportEvents } from './remote.js';
import { resolvesToSelf } from './resolver.js';
import type { Isolation, PluginInstance, StartRequest } from './types.js';
import { PLUGIN_CONDITION, type Slot, type Views } from './view.js';

// One bundled file: a worker that loads its runtime as one module starts measurably sooner.
const RUNTIME = new URL('../runtime/worker-main.bundle.js', import.meta.url);
const RING_BYTES = 1 << 20;
// How long the host checks for answers before it waits for a wake-up instead. A fast plugin
// answers well within it, and the wake-up (a task on the host's event loop) is what it saves.
const SPIN_MS = 0.03;

/**
 * Runs each plugin in a worker thread of its own. A call past its deadline terminates the
 * worker, even one stuck in `while (true) {}`; the heap is capped by `resourceLimits`; unloading
 * ends the worker and returns its memory. A worker shares the host's process, so it is not a
 * sandbox: see process mode for that.
 */
export function createWorkerIsolation(views: Views): Isolation {
  // While the host expects reloads (it watches folders), one worker is kept booted ahead of
  // need: a reload then pays for the plugin's import and setup, not for a thread's start.
  let spare: Spawned | undefined;
  let spares = 0;
  const take = (viewed: boolean, heapMb: number): Spawned => {
    const taken = spare;
    spare = undefined;
    if (taken !== undefined && taken.viewed === viewed && taken.heapMb === heapMb) return taken;
    if (taken !== undefined) void taken.worker.terminate();
    return spawn(viewed, heapMb, 'plugboard:worker');
  };
  const refill = (viewed: boolean, heapMb: number) => {
    if (spares === 0 || spare !== undefined) return;
    const made = spawn(viewed, heapMb, 'plugboard:spare');
    made.worker.unref();
    made.worker.once('exit', () => {
      if (spare === made) spare = undefined;
      if (!made.connected) releaseRings(made.rings); // else its transport releases them
    });
    spare = made;
  };
  return {
    mode: 'worker',
    start(request: StartRequest): Promise<PluginInstance> {
      // A plugin that finds plugboard by itself imports it as it is; one that does not gets the
      // plugin API through a view (view.ts).
      const slot = resolvesToSelf(request.folder) ? undefined : views.slot();
      const entry = slot === undefined ? request.entry : slot.assign(request.folder, request.entry);
      const viewed = slot !== undefined;
      const spawned = take(viewed, request.limits.heapMb);
      const started = startRemote({ ...request, entry }, (events) => connectWorker(spawned, events, slot), 'worker');
      void started.finally(() => refill(viewed, request.limits.heapMb)).catch(() => {});
      return started;
    },
    keepSpare(on) {
      spares += on ? 1 : -1;
      if (spares === 0 && spare !== undefined) {
        void spare.worker.terminate();
        spare = undefined;
      }
    },
    async close() {
      spares = 0;
      await spare?.worker.terminate();
      spare = undefined;
    },
  };
}

interface Spawned {
  readonly worker: Worker;
  readonly rings: { readonly calls: SharedArrayBuffer; readonly answers: SharedArrayBuffer };
  readonly viewed: boolean;
  readonly heapMb: number;
  /** Set once a plugin's transport owns the worker. */
  connected: boolean;
}

type Rings = Spawned['rings'];

// Rings of ended workers, kept for the next ones. Allocating two fresh 1 MiB buffers per worker
// made the host's RSS grow by about 1 MB per worker started (malloc's mmap threshold rises after
// the first such buffer is freed, and later ones fragment its heap); a few reused ones do not.
const idleRings: Rings[] = [];
const IDLE_RINGS = 4;

function takeRings(): Rings {
  const rings = idleRings.pop();
  if (rings === undefined) return { calls: Ring.create(RING_BYTES), answers: Ring.create(RING_BYTES) };
  Ring.reset(rings.calls);
  Ring.reset(rings.answers);
  return rings;
}

// The worker waits for its start message, so it can boot before its plugin is known.
function spawn(viewed: boolean, heapMb: number, name: string): Spawned {
  const rings = takeRings();
  const worker = new Worker(RUNTIME, {
    workerData: { rings },
    execArgv: viewed ? [PLUGIN_CONDITION, '--preserve-symlinks'] : [PLUGIN_CONDITION],
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    name,
  });
  return { worker, rings, viewed, heapMb, connected: false };
}

// Called once the worker has exited and the host's side has read its last answer.
function releaseRings(rings: Rings): void {
  if (idleRings.length < IDLE_RINGS) idleRings.push(rings);
}

function connectWorker(spawned: Spawned, events: TransportEvents, slot: Slot | undefined): Transport {
  const { worker, rings } = spawned;
  spawned.connected = true;
  worker.ref();
  const calls = new Ring(rings.calls);
  const answers = new Ring(rings.answers);
  let error: unknown;
  let armed = false;

  const drain = () => {
    for (let record = answers.read(); record !== undefined; record = answers.read()) {
      const ok = record.kind !== RECORD.ERROR;
      const payload =
        record.kind === RECORD.RESULT_NUMBER
          ? answers.numbers(record)[0]
          : decodePayload(answers.bytes, record.start, record.end, record.kind !== RECORD.RESULT_V8);
      answers.release();
      events.answer(record.id, ok, payload);
    }
  };
  // Collects answers while ring calls are outstanding. It starts after the calls sent in the
  // same tick have gone (so they pipeline), checks briefly, then sleeps until the worker's wake
  // message. A plugin that answered within the check is checked for again next time.
  let spin = true;
  const collect = () => {
    armed = false;
    if (spin) {
      const until = performance.now() + SPIN_MS;
      while (answers.isEmpty() && performance.now() < until) {}
      spin = !answers.isEmpty();
    }
    drain();
    arm();
  };
  const arm = () => {
    if (armed || events.waiting() === 0) return;
    armed = true;
    if (spin || !answers.sleep()) return queueMicrotask(collect);
  };

  worker.on('message', (message: RuntimeMessage) => {
    if (message.type === 'wake') {
      spin = true;
      return collect();
    }
    events.message(message);
  });
  worker.on('error', (thrown) => {
    error = thrown;
  });
  worker.on('exit', (code) => {
    slot?.release();
    events.end({ code, signal: null, error });
    releaseRings(rings);
  });

  return {
    clones: true,
    send: (message) => worker.postMessage(message),
    sendCall(id, index, args, json) {
      const written = isNumberList(args)
        ? calls.writeNumbers(RECORD.CALL_NUMBERS, index, id, args)
        : calls.write(json ? RECORD.CALL_JSON : RECORD.CALL_V8, index, id, encodePayload(args, json));
      if (!written) return false;
      if (calls.wakeNeeded()) worker.postMessage({ type: 'wake' });
      arm();
      return true;
    },
    hold(busy) {
      if (busy) worker.ref();
      else worker.unref();
    },
    terminate() {
      void worker.terminate();
    },
  };
}
