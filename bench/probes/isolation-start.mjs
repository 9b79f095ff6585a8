// @ts-check
// Times how long a plugin takes to be ready behind a boundary, or a raw worker or child process
// to send its first message, in this fresh process; prints the median as one JSON line.
// usage: node isolation-start.mjs <side> <plugin folder> <starts>
//   worker        host.load() of a worker-mode plugin until it resolves
//   raw-worker    new Worker() until its first message
//   process       host.load() of a process-mode plugin, no pool: a cold child
//   raw-fork      fork() until the child's first message
//   process-pool  host.load() with `pool: 2`, each time a warm child is free
//   raw-pool      a raw child that has said `ready` imports the plugin entry and runs its setup()
// One start first to warm up, not timed; each plugin is unloaded (each raw one ended) before the next.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createHost } from 'plugboard';
import { Isolated, median } from './isolated.mjs';

const [side, plugin, count] = process.argv.slice(2);
if (plugin === undefined || count === undefined)
  throw new Error('usage: isolation-start.mjs <side> <plugin folder> <starts>');
const starts = Number(count);

const RAW_WORKER = new URL('./raw-worker.mjs', import.meta.url);
const RAW_CHILD = new URL('./raw-child.mjs', import.meta.url);
const POOL = 2;
// Plugboard tells when its spare children have said hello (the `pool` event); waitForIdleChildren()
// then also waits for them to go quiet, so that a spare still loading does not compete for the CPU.
const POLL_MS = 5;
const QUIET_MS = 30;
const SETTLE_LIMIT_MS = 10_000;
/** Starts that found no warm child, so were not timed: at most this many in a row. */
const MISS_LIMIT = 5;

/** @type {Record<string, () => Promise<{ ms: number[], misses?: number }>>} */
const sides = {
  worker: () => hostStarts('worker'),
  'raw-worker': () => timed(rawWorker),
  process: () => hostStarts('process'),
  'raw-fork': () => timed(rawFork),
  'process-pool': poolStarts,
  'raw-pool': () => timed(rawPool),
};
const run = sides[side ?? ''];
if (run === undefined) throw new Error(`unknown side ${side}`);
const result = await run();
console.log(JSON.stringify({ ...result, median: median(result.ms) }));

/** @param {'worker' | 'process'} isolation */
async function hostStarts(isolation) {
  const host = createHost({ contracts: [Isolated], isolation });
  try {
    return await timed(async () => {
      const started = performance.now();
      const { name } = await host.load(plugin ?? '');
      const ms = performance.now() - started;
      await host.unload(name);
      return ms;
    });
  } finally {
    await host.close();
  }
}

async function rawWorker() {
  const started = performance.now();
  const worker = new Worker(RAW_WORKER);
  await once(worker, 'message');
  const ms = performance.now() - started;
  await worker.terminate();
  return ms;
}

async function rawFork() {
  const started = performance.now();
  const child = fork(RAW_CHILD, [], { serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message');
  const ms = performance.now() - started;
  child.disconnect();
  await once(child, 'exit');
  return ms;
}

async function rawPool() {
  const child = fork(RAW_CHILD, [], { serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message');
  await waitForIdleChildren(1);
  const manifest = JSON.parse(readFileSync(join(plugin ?? '', 'plugin.json'), 'utf8'));
  const started = performance.now();
  child.send({ entry: pathToFileURL(join(plugin ?? '', manifest.main)).href });
  await once(child, 'message');
  const ms = performance.now() - started;
  child.disconnect();
  await once(child, 'exit');
  return ms;
}

/**
 * Times starts from the pool. A start counts only when the plugin's process (its `pid()`) is one
 * of the children that existed before the load: plugboard only hands out a child that is warm,
 * so that proves a warm child was free. One that missed is not timed, and tried again.
 */
async function poolStarts() {
  const host = createHost({ contracts: [Isolated], isolation: { minimum: 'process', pool: POOL } });
  const ms = [];
  let misses = 0;
  let inRow = 0;
  try {
    while (ms.length < starts + 1) {
      await warmPool(host);
      await waitForIdleChildren(POOL);
      const spare = new Set(childPids());
      const started = performance.now();
      const { name } = await host.load(plugin ?? '');
      const took = performance.now() - started;
      const pid = await host.get(Isolated, name).pid();
      await host.unload(name);
      if (spare.has(pid)) {
        ms.push(took);
        inRow = 0;
      } else {
        misses++;
        if (++inRow > MISS_LIMIT) throw new Error(`${inRow} starts in a row found no warm child in the pool`);
      }
    }
    return { ms: ms.slice(1), misses };
  } finally {
    await host.close();
  }
}

/** Resolves once every spare child of the host's pool is warm. */
function warmPool(host) {
  if (host.inspect().pool.warm === POOL) return Promise.resolve();
  return new Promise((resolve) => {
    const dispose = host.on('pool', (state) => {
      if (state.warm < POOL) return;
      dispose();
      resolve();
    });
  });
}

/**
 * @param {() => Promise<number>} start
 * @returns {Promise<{ ms: number[] }>}
 */
async function timed(start) {
  await start();
  const ms = [];
  for (let i = 0; i < starts; i++) ms.push(await start());
  return { ms };
}

/**
 * Waits, for at most SETTLE_LIMIT_MS, until this process has `count` children and none of them
 * has run on a CPU for QUIET_MS: a spare child that has loaded plugboard's runtime and waits for
 * a plugin is idle, one still starting is not. A guess from the outside, which poolStarts() checks;
 * waiting for every spare, not just one, also keeps a starting spare from competing for the CPU.
 * @param {number} count
 */
async function waitForIdleChildren(count) {
  const deadline = performance.now() + SETTLE_LIMIT_MS;
  let last = '';
  let quietSince = performance.now();
  while (performance.now() < deadline) {
    const pids = childPids();
    const readings = pids.map((pid) => cpuNs(pid));
    const reading = pids.map((pid, i) => `${pid}:${readings[i]}`).join(' ');
    const now = performance.now();
    if (reading !== last || pids.length !== count || readings.includes(-1)) {
      last = reading;
      quietSince = now;
    } else if (now - quietSince >= QUIET_MS) return;
    await delay(POLL_MS);
  }
  // Go on regardless: poolStarts() tells from the plugin's process whether it found a warm child.
}

/** This process's children, from every thread's list in /proc (Linux). */
function childPids() {
  return readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

/**
 * Time all threads of a process have run on a CPU, in ns, or -1 while one of them is not asleep:
 * on a busy machine a thread may wait its turn without running.
 * @param {number} pid
 */
function cpuNs(pid) {
  try {
    let sum = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'S') return -1;
      sum += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return sum;
  } catch {
    return -1;
  }
}
