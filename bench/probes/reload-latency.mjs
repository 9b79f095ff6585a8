// @ts-check
// Times reloads in this fresh process: from the write of a new version's entry to the first call
// the new version answers, or the raw equivalent; prints every time and the median as one JSON line.
// usage: node reload-latency.mjs <side> <plugin folder> <reloads>
//   inline, worker, process   host.watch() of the plugin folder, default debounce (while it
//                             watches, the host keeps a spare worker or child booted)
//   process-pool              the same with `isolation: { minimum: 'process', pool: 2 }`
//   inline-, worker-direct    no watcher: host.reload() right after the write
//   raw-watch                 fs.watch() of the folder; each event imports the entry under a new query
//   raw-import                import() under a new query right after the write
//   raw-worker                new Worker() that imports the entry and answers once (raw-plugin.mjs)
//   raw-fork                  fork() of a child that does the same
// One reload first to warm up, not timed. Each host reload is over (the old version drained and
// stopped, the pool full again, the process quiet) before the next write.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createHost } from 'plugboard';
import { median } from './isolated.mjs';
import { ENTRY, NAME, nextReload, quiet, Reloadable, untilServes, writePlugin, writeVersion } from './reloadable.mjs';

const [side, folder, count] = process.argv.slice(2);
if (side === undefined || folder === undefined || count === undefined)
  throw new Error('usage: reload-latency.mjs <side> <plugin folder> <reloads>');
const reloads = Number(count);
const entry = pathToFileURL(join(folder, ENTRY)).href;
const RAW_PLUGIN = new URL('./raw-plugin.mjs', import.meta.url);
const POOL = 2;
// Counters of the raw sides, which need no host to tell versions apart.
let imports = 0;
let spawned = 1;

/** @type {Record<string, () => Promise<number[]>>} */
const sides = {
  inline: () => hostReloads(undefined, 'watch'),
  'inline-direct': () => hostReloads(undefined, 'direct'),
  worker: () => hostReloads('worker', 'watch'),
  'worker-direct': () => hostReloads('worker', 'direct'),
  process: () => hostReloads('process', 'watch'),
  'process-pool': () => hostReloads({ minimum: 'process', pool: POOL }, 'watch'),
  'raw-watch': rawWatch,
  'raw-import': () => timed(rawImport),
  'raw-worker': () => timed(rawWorker),
  'raw-fork': () => timed(rawFork),
};
const run = sides[side];
if (run === undefined) throw new Error(`unknown side ${side}`);
writePlugin(folder);
const ms = await run();
console.log(JSON.stringify({ ms, median: median(ms) }));

/**
 * @param {import('plugboard').HostOptions['isolation']} isolation
 * @param {'watch' | 'direct'} how
 */
async function hostReloads(isolation, how) {
  const host = createHost({ contracts: [Reloadable], ...(isolation === undefined ? {} : { isolation }) });
  try {
    if (how === 'watch') {
      const report = await host.watch(folder ?? '').ready;
      if (report.failed[0] !== undefined) throw report.failed[0].error;
    } else await host.load(folder ?? '');
    const handle = host.get(Reloadable, NAME);
    let n = 1;
    return await timed(async () => {
      n++;
      await poolFull(host);
      const reloaded = nextReload(host);
      const started = performance.now();
      writeVersion(folder ?? '', n);
      if (how === 'direct') void host.reload(NAME);
      const served = await untilServes(handle, n);
      await reloaded;
      return served - started;
    });
  } finally {
    await host.close();
  }
}

/** The least a hot reload of an ES module takes: watch, import a copy Node has not seen, call it. */
async function rawWatch() {
  let n = 1;
  let copies = 0;
  let current = setupOf(await import(`${entry}?copy=${copies}`));
  const watcher = watch(folder ?? '', (_event, file) => {
    if (file !== ENTRY) return;
    import(`${entry}?copy=${++copies}`).then(
      (module) => {
        current = setupOf(module);
      },
      () => {}, // read half written: the write's next event imports it again
    );
  });
  try {
    return await timed(async () => {
      n++;
      const started = performance.now();
      writeVersion(folder ?? '', n);
      return (await untilServes({ version: () => current.version() }, n)) - started;
    });
  } finally {
    watcher.close();
  }
}

async function rawImport() {
  const n = imports + 2;
  const started = performance.now();
  writeVersion(folder ?? '', n);
  const version = setupOf(await import(`${entry}?copy=${++imports}`)).version();
  if (version !== n) throw new Error(`raw import answered ${version}, not ${n}`);
  return performance.now() - started;
}

async function rawWorker() {
  const n = ++spawned;
  const started = performance.now();
  writeVersion(folder ?? '', n);
  const worker = new Worker(RAW_PLUGIN, { argv: [entry] });
  const [version] = await once(worker, 'message');
  const ms = performance.now() - started;
  await worker.terminate();
  if (version !== n) throw new Error(`raw worker answered ${version}, not ${n}`);
  return ms;
}

async function rawFork() {
  const n = ++spawned;
  const started = performance.now();
  writeVersion(folder ?? '', n);
  const child = fork(RAW_PLUGIN, [entry], { serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [version] = await once(child, 'message');
  const ms = performance.now() - started;
  child.disconnect();
  await once(child, 'exit');
  if (version !== n) throw new Error(`raw child answered ${version}, not ${n}`);
  return ms;
}

/** @param {{ default: { setup(): Record<string, { version(): number }> } }} module */
function setupOf(module) {
  return /** @type {{ version(): number }} */ (module.default.setup()[Reloadable.id]);
}

/** Resolves once the host's pool, if it has one, has every spare child warm. */
function poolFull(/** @type {import('plugboard').Host} */ host) {
  const { pool } = host.inspect();
  if (pool.size === 0 || pool.warm >= pool.size) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = host.on('pool', (state) => {
      if (state.warm < state.size) return;
      stop();
      resolve(undefined);
    });
  });
}

/**
 * One reload to warm up, then `reloads` timed, each once the process is quiet: the last one's
 * old worker or child has ended, a spare worker or the pool is ready, as it would be between
 * two saves of a file.
 * @param {() => Promise<number>} reload
 */
async function timed(reload) {
  await reload();
  const ms = [];
  for (let i = 0; i < reloads; i++) {
    await quiet();
    ms.push(await reload());
  }
  return ms;
}
