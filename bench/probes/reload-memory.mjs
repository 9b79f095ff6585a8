// @ts-check
// Reloads a plugin many times in this fresh process, or imports an ES module as often under a
// new query string (which Node never frees); prints the resident size and heap before and after,
// both after GC, as one JSON line.
// usage: node --expose-gc reload-memory.mjs inline|worker|process|raw-esm <plugin folder> <reloads>
// Each reload first rewrites the entry, alternating between two versions, so the code changes.
// Process mode runs with a pool of 2 warm children, which keeps 1,000 reloads in minutes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { createHost } from 'plugboard';
import { ENTRY, NAME, Reloadable, writePlugin, writeVersion } from './reloadable.mjs';

const [side, folder, count] = process.argv.slice(2);
if (side === undefined || folder === undefined || count === undefined)
  throw new Error('usage: reload-memory.mjs inline|worker|process|raw-esm <plugin folder> <reloads>');
const reloads = Number(count);
const POOL = 2;
// Readings wait until every stopped worker's thread and child process has gone, so that a late
// exit neither passes for a leak nor hides one.
const POLL_MS = 10;
const EXIT_LIMIT_MS = 10_000;

/** @type {Record<string, import('plugboard').HostOptions['isolation']>} */
const isolation = { inline: undefined, worker: 'worker', process: { minimum: 'process', pool: POOL } };
if (!(side in isolation) && side !== 'raw-esm') throw new Error(`unknown side ${side}`);
writePlugin(folder);
const host = side === 'raw-esm' ? undefined : createHost({ contracts: [Reloadable], isolation: isolation[side] });
const entry = pathToFileURL(join(folder, ENTRY)).href;
const reload =
  host === undefined
    ? (/** @type {number} */ i) => import(`${entry}?copy=${i}`).then((module) => module.default.setup())
    : (/** @type {number} */ _) => host.reload(NAME);

await (host === undefined ? reload(0) : host.load(folder));
await reload(1); // the first reload loads code that every later one reuses (esbuild, vm)
await idle();
const threads = threadCount();
const before = await settle();
let ms = 0;
/** After the first half of the reloads: whether growth goes on or levels off. */
let middle = before;
for (let i = 0; i < reloads; i++) {
  if (i === reloads >> 1) middle = await reading();
  const started = performance.now();
  writeVersion(folder, 2 + (i % 2));
  await reload(i + 2);
  ms += performance.now() - started;
}
const after = await reading();
const retainedModules = host?.inspect().retainedModules ?? 0;
await host?.close();
console.log(JSON.stringify({ reloads, ms, before, middle, after, retainedModules }));

async function reading() {
  await idle();
  await threadsBackTo(threads);
  return settle();
}

/** Collects garbage twice, with a turn of the event loop between for finalizers. */
async function settle() {
  if (globalThis.gc === undefined) throw new Error('reload-memory.mjs needs node --expose-gc');
  globalThis.gc();
  await delay(0);
  globalThis.gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** Process mode: waits until only the plugin's child and the pool's warm spares are left. */
async function idle() {
  // (inline mode has a child too: esbuild's service, which bundles every reload)
  if (host === undefined || side !== 'process') return;
  const deadline = performance.now() + EXIT_LIMIT_MS;
  for (;;) {
    const { pool } = host.inspect();
    const children = childPids().length;
    if (pool.warm === pool.size && children <= pool.size + 1) return;
    if (performance.now() > deadline) throw new Error(`${children} child processes are still there`);
    await delay(POLL_MS);
  }
}

/** Waits until the stopped workers' threads have gone. */
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

/** This process's children, from every thread's list in /proc (Linux). */
function childPids() {
  return readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean),
  );
}
