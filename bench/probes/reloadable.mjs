// @ts-check
// Shared by the reload probes: the contract of their plugin, whose `version()` answers the number
// written into its entry, and the writer of that entry. A probe rewrites the entry for each new
// version, as an editor's save would, and knows the new code serves once the number comes back.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay, setImmediate as turn } from 'node:timers/promises';
import { defineContract } from 'plugboard';
import { z } from 'zod';

export const Reloadable = defineContract({
  id: 'bench.reloadable',
  version: '1.0.0',
  methods: { version: { args: z.tuple([]), result: z.number() } },
});

export const NAME = 'bench-reloadable';
export const ENTRY = 'index.mjs';
/** About the size of the "2 KB module", whose ESM re-import Node keeps for good. */
const ENTRY_BYTES = 2_048;

/** Writes the plugin folder with its first version, 1. */
export function writePlugin(/** @type {string} */ folder) {
  mkdirSync(folder, { recursive: true });
  const fields = { name: NAME, version: '1.0.0', main: ENTRY, provides: { [Reloadable.id]: '^1.0.0' } };
  writeFileSync(join(folder, 'plugin.json'), `${JSON.stringify(fields, null, 2)}\n`);
  writeVersion(folder, 1);
}

/**
 * Rewrites the entry as version `n`, in one synchronous write, so that no reader sees it half
 * written. Every exported function differs from one version to the next, so the code really
 * changes, and the bundler keeps them all (they are exports).
 */
export function writeVersion(/** @type {string} */ folder, /** @type {number} */ n) {
  const lines = [`export const version = ${n};`];
  for (let i = 0; lines.join('\n').length < ENTRY_BYTES - 200; i++) {
    lines.push(`export function step${i}(x) {\n  return x * ${i + 1} + ${n};\n}`);
  }
  lines.push(`export default {\n  setup() {\n    return { '${Reloadable.id}': { version: () => ${n} } };\n  },\n};`);
  writeFileSync(join(folder, ENTRY), `${lines.join('\n')}\n`);
}

/**
 * Calls `version()` until it answers `n`, letting the event loop turn between calls (an inline
 * handle answers synchronously, and the watcher needs the loop); resolves with the time it did.
 * @param {{ version(): number | Promise<number> }} handle
 * @param {number} n
 */
export async function untilServes(handle, n) {
  for (;;) {
    if ((await handle.version()) === n) return performance.now();
    await turn();
  }
}

/**
 * Resolves with the next `reloaded` report, rejects with the next `reload-failed` error.
 * @param {import('plugboard').Host} host
 */
export function nextReload(host) {
  return new Promise((resolve, reject) => {
    const stop = () => {
      done();
      failed();
    };
    const done = host.on('reloaded', (report) => {
      stop();
      resolve(report);
    });
    const failed = host.on('reload-failed', ({ error }) => {
      stop();
      reject(error);
    });
  });
}

// quiet() polls every POLL_MS until nothing but the main thread has run for QUIET_MS.
const POLL_MS = 5;
const QUIET_MS = 30;
const QUIET_LIMIT_MS = 10_000;

/**
 * Waits, for at most QUIET_LIMIT_MS, until no thread of this process but the main one, and no
 * thread of its children, has run on a CPU for QUIET_MS: a stopped worker has exited, a spare
 * worker or child has booted, a pool is full. So that one reload does not pay for the last.
 */
export async function quiet() {
  const deadline = performance.now() + QUIET_LIMIT_MS;
  let last = '';
  let since = performance.now();
  while (performance.now() < deadline) {
    const reading = cpuReading();
    const now = performance.now();
    if (reading === undefined || reading !== last) {
      last = reading ?? '';
      since = now;
    } else if (now - since >= QUIET_MS) return;
    await delay(POLL_MS);
  }
  // Go on regardless: a busy machine may never look quiet.
}

/** Every other thread's CPU time, or undefined while one of them is not asleep (Linux). */
function cpuReading() {
  const readings = [];
  try {
    for (const task of readdirSync('/proc/self/task')) {
      if (Number(task) !== process.pid) readings.push(threadCpu(`/proc/self/task/${task}`));
      const children = readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean);
      for (const child of children) {
        for (const thread of readdirSync(`/proc/${child}/task`))
          readings.push(threadCpu(`/proc/${child}/task/${thread}`));
      }
    }
  } catch {
    return undefined; // a thread or child ended while being read
  }
  return readings.includes(-1) ? undefined : readings.join(' ');
}

/** CPU time in ns, or -1 while the thread is running or waits for a CPU. */
function threadCpu(/** @type {string} */ path) {
  const stat = readFileSync(`${path}/stat`, 'utf8');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state !== 'S' && state !== 'D') return -1;
  return Number(readFileSync(`${path}/schedstat`, 'utf8').split(' ')[0]);
}
