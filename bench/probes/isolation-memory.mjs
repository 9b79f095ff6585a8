// @ts-check
// Loads and unloads a worker-mode plugin many times in this fresh process, or starts and ends a
// raw worker as often; prints the resident size before and after, both after GC, as one JSON line.
// usage: node --expose-gc isolation-memory.mjs host|raw <plugin folder> <cycles>
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createHost } from 'plugboard';
import { Isolated } from './isolated.mjs';

const [mode, plugin, count] = process.argv.slice(2);
if (plugin === undefined || count === undefined)
  throw new Error('usage: isolation-memory.mjs host|raw <plugin folder> <cycles>');
const cycles = Number(count);
const RAW_WORKER = new URL('./raw-worker.mjs', import.meta.url);
// RSS is read once every ended worker's thread has gone, so that a late exit neither passes
// for a leak nor hides one.
const POLL_MS = 10;
const EXIT_LIMIT_MS = 10_000;

const host = mode === 'host' ? createHost({ contracts: [Isolated], isolation: 'worker' }) : undefined;
const threads = threadCount();
const before = await settle();
for (let i = 0; i < cycles; i++) {
  if (host === undefined) {
    const worker = new Worker(RAW_WORKER);
    await once(worker, 'message');
    await worker.terminate();
  } else {
    const { name } = await host.load(plugin);
    await host.unload(name);
  }
}
await threadsBackTo(threads);
const after = await settle();
await host?.close();
console.log(JSON.stringify({ cycles, before, after }));

/** Collects garbage twice, with a turn of the event loop between for finalizers. */
async function settle() {
  if (globalThis.gc === undefined) throw new Error('isolation-memory.mjs needs node --expose-gc');
  globalThis.gc();
  await delay(0);
  globalThis.gc();
  return process.memoryUsage().rss;
}

/** Waits, for at most EXIT_LIMIT_MS, until the ended workers' threads have gone. */
async function threadsBackTo(/** @type {number} */ count) {
  const deadline = performance.now() + EXIT_LIMIT_MS;
  while (threadCount() > count) {
    if (performance.now() > deadline) throw new Error(`${threadCount() - count} worker threads did not end`);
    await delay(POLL_MS);
  }
}

function threadCount() {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
}
