import { deserialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { checkMessage, isViolation } from '../protocol/check.js';
import { encodePayload } from '../protocol/codec.js';
import type { HostMessage } from '../protocol/messages.js';
import {
  createRing,
  Fragments,
  isNumberList,
  RECORD,
  type RingPair,
  type RingProblem,
  RingReader,
  type RingRecord,
  RingWriter,
  resetRing,
  utf8,
} from '../protocol/ring.js';
import { forwardOutput } from './output.js';
import { type SessionLimits, startRemote, type Transport, type TransportEvents } from './remote.js';
import { resolvesToSelf } from './resolver.js';
import type { Isolation, PluginInstance, StartRequest, StuckReport } from './types.js';
import { unstickThread } from './unstick.js';
import { transformVerified } from './verified.js';
import { PLUGIN_CONDITION, type Slot, type Views } from './view.js';

// One bundled file: a worker that loads its runtime as one module starts measurably sooner.
const RUNTIME = new URL('../runtime/worker-main.bundle.js', import.meta.url);
const RING_BYTES = 1 << 20;
// How long the host checks for answers before it waits for a wake-up instead. A fast plugin
// answers well within it, and the wake-up (a task on the host's event loop) is what it saves.
const SPIN_MS = 0.03;
/** Records read in one turn of the host's event loop; the rest wait for the next turn. */
const RECORDS_PER_TURN = 512;
/** How long a terminated worker may take to end before the host looks at what holds it. */
const KILL_GRACE_MS = 500;
/** How many times a stuck worker's thread is freed before it is reported as held for good. */
const UNSTICK_ATTEMPTS = 3;

export interface WorkerOptions {
  readonly session: SessionLimits;
}

/**
 * Runs each plugin in a worker thread of its own. A call past its deadline terminates the
 * worker, even one stuck in `while (true) {}`; the heap is capped by `resourceLimits`; unloading
 * ends the worker and returns its memory. A worker shares the host's process, so it is not a
 * sandbox: see process mode for that.
 *
 * Host and worker talk through two shared-memory rings only; a message on the worker's port is
 * a doorbell, nothing more. The rings are handed to the runtime in its first message, before any
 * plugin code runs, so they are in no place plugin code can look (`workerData`, a port).
 */
export function createWorkerIsolation(views: Views, options: WorkerOptions): Isolation {
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
    async start(request: StartRequest): Promise<PluginInstance> {
      const verified =
        request.verifiedSource === undefined
          ? undefined
          : await transformVerified(request.entry, request.verifiedSource, request);
      // A plugin that finds plugboard by itself imports it as it is; one that does not gets the
      // plugin API through a view (view.ts).
      const slot = resolvesToSelf(request.folder) ? undefined : views.slot();
      const entry = slot === undefined ? request.entry : slot.assign(request.folder, request.entry, request.moduleType);
      const viewed = slot !== undefined;
      const spawned = take(viewed, request.limits.heapMb);
      const started = startRemote(
        { ...request, entry },
        options.session,
        (events) => connectWorker(spawned, events, slot, options.session.maxMessageBytes),
        'worker',
        verified,
      );
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
  readonly rings: RingPair;
  readonly viewed: boolean;
  readonly heapMb: number;
  /** Set once a plugin's transport owns the worker. */
  connected: boolean;
  /** Where its stdout and stderr go: dropped until a plugin's session admits them. */
  output: (bytes: number) => boolean;
}

// Rings of ended workers, kept for the next ones. Allocating two fresh 1 MiB buffers per worker
// made the host's RSS grow by about 1 MB per worker started (malloc's mmap threshold rises after
// the first such buffer is freed, and later ones fragment its heap); a few reused ones do not.
const idleRings: RingPair[] = [];
const IDLE_RINGS = 4;

function takeRings(): RingPair {
  const rings = idleRings.pop();
  if (rings === undefined) return { calls: createRing(RING_BYTES), answers: createRing(RING_BYTES) };
  resetRing(rings.calls);
  resetRing(rings.answers);
  return rings;
}

// The worker waits for its rings, then for its start message, so it can boot before its plugin
// is known.
function spawn(viewed: boolean, heapMb: number, name: string): Spawned {
  const rings = takeRings();
  const worker = new Worker(RUNTIME, {
    execArgv: viewed ? [PLUGIN_CONDITION, '--preserve-symlinks'] : [PLUGIN_CONDITION],
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    stdout: true,
    stderr: true,
    name,
  });
  worker.postMessage({ rings });
  const spawned: Spawned = { worker, rings, viewed, heapMb, connected: false, output: () => false };
  forwardOutput(worker.stdout, process.stdout, (bytes) => spawned.output(bytes));
  forwardOutput(worker.stderr, process.stderr, (bytes) => spawned.output(bytes));
  return spawned;
}

// Called once the worker has exited and the host's side has read its last answer.
function releaseRings(rings: RingPair): void {
  if (idleRings.length < IDLE_RINGS) idleRings.push(rings);
}

function connectWorker(
  spawned: Spawned,
  events: TransportEvents,
  slot: Slot | undefined,
  maxMessageBytes: number,
): Transport {
  const { worker, rings } = spawned;
  spawned.connected = true;
  spawned.output = (bytes) => events.output(bytes);
  worker.ref();
  const calls = new RingWriter(rings.calls);
  const answers = new RingReader(rings.answers);
  const fragments = new Fragments(maxMessageBytes);
  let broken = false;
  let exited = false;
  let thread: number | undefined;
  let greeted = false;
  let error: unknown;
  // Doorbells the worker may ring: one each time the host went to sleep on the answers ring or
  // asked for room in the calls ring. One more is the plugin's code knocking: unasked.
  let doorbells = 0;
  let asleep = false;
  const sleep = (): boolean => {
    if (!answers.sleep()) return false;
    if (!asleep) doorbells++;
    asleep = true;
    return true;
  };

  const violation = (what: string) => {
    if (broken) return;
    broken = true;
    events.violation(`its shared-memory ring has ${what}`);
  };

  const handle = (record: RingRecord, payload: Uint8Array | undefined): void => {
    const bytes = payload === undefined ? record.end - record.start : payload.byteLength;
    const text = () => (payload === undefined ? answers.text(record) : utf8(payload));
    if (record.index !== 0) return void violation(`a record of kind ${record.kind} with a method index`);
    switch (record.kind) {
      case RECORD.RESULT_NUMBER: {
        if (payload !== undefined || bytes !== 8)
          return void violation('a number record that does not hold one number');
        return void events.answer(record.id, true, answers.numbers(record)[0], bytes);
      }
      case RECORD.RESULT_JSON:
      case RECORD.ERROR:
      case RECORD.MESSAGE: {
        let value: unknown;
        try {
          value = JSON.parse(text());
        } catch {
          return void violation(`a record of kind ${record.kind} that is not JSON`);
        }
        if (record.kind !== RECORD.MESSAGE)
          return void events.answer(record.id, record.kind === RECORD.RESULT_JSON, value, bytes);
        if (record.id !== 0) return void violation('a message record with an id');
        if (greeted) return void events.message(value, bytes);
        // The first message is the runtime's hello, sent before any plugin code ran.
        const hello = checkMessage(value);
        if (isViolation(hello) || hello.type !== 'hello') return void violation('a first message that is not a hello');
        greeted = true;
        thread = hello.thread;
        return;
      }
      case RECORD.RESULT_V8: {
        let value: unknown;
        try {
          value = deserialize(payload ?? answers.copy(record));
        } catch {
          return void violation('a record that is not V8-serialised');
        }
        return void events.answer(record.id, true, value, bytes);
      }
      default:
        return void violation(`a record of kind ${record.kind}, which a plugin does not send`);
    }
  };

  // Frees a record's space, and tells the worker if it waits for room to write more.
  const release = () => {
    answers.release();
    if (answers.roomWanted()) worker.postMessage(0);
  };

  // Reads what the worker wrote, a turn's worth at a time. Returns whether anything was there.
  let scheduled = false;
  const drain = (): boolean => {
    let read = 0;
    for (; read < RECORDS_PER_TURN && !broken; read++) {
      const record = answers.read();
      if (record === undefined) break;
      if ('problem' in record) {
        violation((record as RingProblem).problem);
        break;
      }
      if (record.more || fragments.joining) {
        const whole = fragments.add(answers, record);
        release();
        if (whole === undefined) continue;
        if ('problem' in whole) {
          violation(whole.problem);
          break;
        }
        handle(record, whole);
      } else {
        handle(record, undefined);
        release();
      }
    }
    if (read === RECORDS_PER_TURN && !scheduled && !exited) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        collect();
      });
    }
    return read > 0;
  };

  const flush = (): boolean => {
    const had = calls.backlog > 0;
    if (had) {
      calls.flush();
      ring();
    }
    return had;
  };

  // Collects answers while calls are outstanding. It starts after the calls sent in the same
  // tick have gone (so they pipeline), checks briefly, then sleeps until the worker's doorbell.
  // A plugin that answered within the check is checked for again next time.
  let spin = true;
  let armed = false;
  const collect = () => {
    armed = false;
    if (broken || exited) return;
    if (spin && events.waiting() > 0) {
      const until = performance.now() + SPIN_MS;
      while (answers.isEmpty() && performance.now() < until) {}
      spin = !answers.isEmpty();
    }
    drain();
    arm();
  };
  const arm = () => {
    if (armed || scheduled || broken || exited) return;
    if (events.waiting() > 0 && spin) {
      armed = true;
      return queueMicrotask(collect);
    }
    if (!sleep()) {
      armed = true;
      queueMicrotask(collect);
    }
  };

  worker.on('message', () => {
    asleep = false;
    const credited = doorbells > 0;
    if (credited) doorbells--;
    spin = true;
    const found = drain();
    const flushed = flush();
    if (!credited && !found && !flushed) events.idle();
    arm();
  });
  worker.on('error', (thrown) => {
    error = thrown;
  });
  worker.on('exit', (code) => {
    exited = true;
    clearTimeout(stuckTimer);
    // Its last words (a fatal error) wait in the ring.
    while (!broken && drain()) {}
    if (freed !== undefined) events.stuck(freed);
    slot?.release();
    events.end({ code, signal: null, error });
    releaseRings(rings);
  });

  // V8 ends a thread only when it runs JavaScript: a thread held by a system call is looked at,
  // freed where that is safe (unstick.ts), and reported. A blocking call may follow another
  // (a read after an open), so it is looked at a few times.
  let stuckTimer: NodeJS.Timeout | undefined;
  let freed: StuckReport | undefined;
  const watchEnd = (attempts: number) => {
    stuckTimer = setTimeout(() => {
      if (exited) return;
      const report: StuckReport =
        thread === undefined
          ? { syscall: 'unknown', detail: 'its thread id is unknown', unblocked: false }
          : unstickThread(thread);
      if (report.unblocked && attempts > 1) {
        freed = report;
        return watchEnd(attempts - 1);
      }
      freed = undefined;
      events.stuck({ ...report, unblocked: false });
      worker.unref();
    }, KILL_GRACE_MS);
    stuckTimer.unref();
  };
  arm();
  drain();
  return {
    send(message: HostMessage) {
      const text = JSON.stringify(message);
      if (text.length > maxMessageBytes && Buffer.byteLength(text) > maxMessageBytes) return false;
      calls.write(RECORD.MESSAGE, 0, 0, text);
      ring();
      return true;
    },
    sendCall(id, index, args, encoding) {
      if (isNumberList(args)) calls.writeNumbers(RECORD.CALL_NUMBERS, index, id, args);
      else {
        const payload = encodePayload(args, encoding);
        const size = typeof payload === 'string' ? payload.length : payload.byteLength;
        if (size > maxMessageBytes && (typeof payload !== 'string' || Buffer.byteLength(payload) > maxMessageBytes)) {
          return 'too-large';
        }
        calls.write(encoding === 'json' ? RECORD.CALL_JSON : RECORD.CALL_V8, index, id, payload);
      }
      ring();
      arm();
      return 'sent';
    },
    hold(busy) {
      if (busy) worker.ref();
      else worker.unref();
    },
    terminate() {
      if (exited || stuckTimer !== undefined) return;
      void worker.terminate();
      watchEnd(UNSTICK_ATTEMPTS);
    },
    backlog: () => calls.backlog,
  };

  function ring(): void {
    if (calls.problem !== undefined) return void violation(calls.problem);
    if (calls.backlog > 0) doorbells++; // it rings once it has made room
    if (calls.wakeNeeded()) worker.postMessage(0);
  }
}
