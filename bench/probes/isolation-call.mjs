// @ts-check
// Times call round trips across a worker or process boundary, through plugboard and raw, in
// this fresh process; prints the medians as one JSON line.
// usage: node isolation-call.mjs <plugin folder> <calls> <batch> <batches> <round>
//   calls    sequential awaited calls timed one by one (after as many again to warm up)
//   batch    calls in flight at once for the pipelined figures, timed `batches` times after as many
//   round    rotates the order of the sides, so that none always runs first
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { createHost } from 'plugboard';
import { Isolated, median } from './isolated.mjs';

const [plugin, calls, batch, batches, round] = process.argv.slice(2);
if (round === undefined) throw new Error('usage: isolation-call.mjs <plugin folder> <calls> <batch> <batches> <round>');
const n = Number(calls);
const inFlight = Number(batch);
const times = Number(batches);

const RAW_WORKER = new URL('./raw-worker.mjs', import.meta.url);
const RAW_CHILD = new URL('./raw-child.mjs', import.meta.url);
// The raw shared-memory side: the cell's turn word, and how long each side checks it before sleeping.
const [IDLE, ASKED, STOP] = [0, 1, 3];
const SPIN_MS = 0.25;

/** @type {Record<string, () => Promise<Record<string, number>>>} */
const sides = { worker, postMessage, atomics, process: processMode, fork: rawFork };
const names = Object.keys(sides);
const shift = Number(round) % names.length;
/** @type {Record<string, Record<string, number>>} */
const results = {};
for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
  results[name] = await /** @type {() => Promise<Record<string, number>>} */ (sides[name])();
}
console.log(JSON.stringify(results));

async function worker() {
  const host = createHost({ contracts: [Isolated], isolation: 'worker' });
  try {
    const handle = host.get(Isolated, (await host.load(plugin ?? '')).name);
    return {
      p50: await roundTrip((i) => handle.add(i, 1)),
      pipelined: await pipelined((count) => Promise.all(Array.from({ length: count }, (_, i) => handle.add(i, 1)))),
    };
  } finally {
    await host.close();
  }
}

async function processMode() {
  const host = createHost({ contracts: [Isolated], isolation: 'process' });
  try {
    const handle = host.get(Isolated, (await host.load(plugin ?? '')).name);
    return { p50: await roundTrip((i) => handle.add(i, 1)) };
  } finally {
    await host.close();
  }
}

async function postMessage() {
  const raw = new Worker(RAW_WORKER);
  await once(raw, 'message');
  const ask = answerer(raw);
  /** @param {number} count */
  const flood = (count) =>
    new Promise((resolve) => {
      let left = count;
      const onAnswer = () => {
        if (--left > 0) return;
        raw.off('message', onAnswer);
        resolve(undefined);
      };
      raw.on('message', onAnswer);
      for (let i = 0; i < count; i++) raw.postMessage({ id: i, a: i, b: 1 });
    });
  try {
    return {
      p50: await roundTrip((i) => ask((message) => raw.postMessage(message), i)),
      pipelined: await pipelined(flood),
    };
  } finally {
    await raw.terminate();
  }
}

async function atomics() {
  const shared = new SharedArrayBuffer(16);
  const cell = new Int32Array(shared);
  const raw = new Worker(RAW_WORKER, { workerData: { cell: shared } });
  await once(raw, 'message');
  /** @param {number} i */
  const add = (i) => {
    cell[1] = i;
    cell[2] = 1;
    Atomics.store(cell, 0, ASKED);
    Atomics.notify(cell, 0);
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(cell, 0) === ASKED && performance.now() < until) {}
    while (Atomics.load(cell, 0) === ASKED) Atomics.wait(cell, 0, ASKED);
    Atomics.store(cell, 0, IDLE);
    return /** @type {number} */ (cell[3]);
  };
  try {
    for (let i = 0; i < n; i++) check(add(i), i);
    const took = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const sum = add(i);
      took[i] = performance.now() - started;
      check(sum, i);
    }
    return { p50: median(took) * 1_000 };
  } finally {
    Atomics.store(cell, 0, STOP);
    Atomics.notify(cell, 0);
    await raw.terminate();
  }
}

async function rawFork() {
  const child = fork(RAW_CHILD, [], { serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message');
  const ask = answerer(child);
  try {
    return { p50: await roundTrip((i) => ask((message) => child.send(message), i)) };
  } finally {
    child.disconnect();
    await once(child, 'exit');
  }
}

/**
 * Sends `{ id, a: i, b: 1 }` and resolves with the answer's sum: one call at a time, as plugboard's
 * handle is awaited one call at a time in roundTrip().
 * @param {{ on(event: 'message', listener: (message: { sum: number }) => void): unknown }} peer
 */
function answerer(peer) {
  /** @type {(sum: number) => void} */
  let next = () => {};
  peer.on('message', (message) => next(message.sum));
  /**
   * @param {(message: { id: number, a: number, b: number }) => void} send
   * @param {number} i
   * @returns {Promise<number>}
   */
  return (send, i) =>
    new Promise((resolve) => {
      next = resolve;
      send({ id: i, a: i, b: 1 });
    });
}

/**
 * The median of `n` awaited calls, each timed on its own, in µs, after `n` calls to warm up.
 * @param {(i: number) => Promise<number>} call
 */
async function roundTrip(call) {
  for (let i = 0; i < n; i++) check(await call(i), i);
  const took = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const sum = await call(i);
    took[i] = performance.now() - started;
    check(sum, i);
  }
  return median(took) * 1_000;
}

/**
 * The median rate, in calls per second, of `times` batches of `inFlight` calls sent at once,
 * after as many batches to warm up.
 * @param {(count: number) => Promise<unknown>} send resolves when `count` calls have been answered
 */
async function pipelined(send) {
  for (let k = 0; k < times; k++) await send(inFlight);
  const rates = [];
  for (let k = 0; k < times; k++) {
    const started = performance.now();
    await send(inFlight);
    rates.push(inFlight / ((performance.now() - started) / 1_000));
  }
  return median(rates);
}

/**
 * @param {number} sum
 * @param {number} i
 */
function check(sum, i) {
  if (sum !== i + 1) throw new Error(`add(${i}, 1) returned ${sum}`);
}
