// @ts-check
// Loads every plugin folder of a directory in this fresh process; prints the cost as one JSON line.
// usage: node [--expose-gc] load.mjs host|raw|raw-hook <directory> [--memory]
//   host      createHost() + loadDirectory()
//   raw       import() of every entry at once, then setup() of each: the least any host must do
//   raw-hook  the same, after registering a minimal hook that resolves `plugboard` (raw-hooks.mjs)
import { readdir } from 'node:fs/promises';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHost, defineContract } from 'plugboard';
import { z } from 'zod';

const [mode, directory] = process.argv.slice(2);
if (mode === undefined || directory === undefined) throw new Error('usage: load.mjs host|raw|raw-hook <directory>');
const memory = process.argv.includes('--memory');

// The same contract as bench/contract.ts; both sides have plugboard and zod loaded before the clock starts.
const Op = defineContract({
  id: 'bench.op',
  version: '1.0.0',
  methods: { add: { args: z.tuple([z.number(), z.number()]), result: z.number() } },
});
const host = mode === 'host' ? createHost({ contracts: [Op] }) : undefined;
const entries = (await readdir(directory)).sort().map((name) => pathToFileURL(join(directory, name, 'index.mjs')).href);

/** @type {unknown[]} what was loaded, kept alive until the last reading */
const kept = [];
const before = memory ? settle() : undefined;
const started = performance.now();
const loaded = host === undefined ? await loadRaw() : await loadWithHost(host);
const ms = performance.now() - started;
const after = memory ? settle() : undefined;
console.log(JSON.stringify({ ms, loaded, before, after, kept: kept.length }));

/** @param {import('plugboard').Host} host */
async function loadWithHost(host) {
  const report = await host.loadDirectory(directory ?? '');
  const failure = report.failed[0];
  if (failure !== undefined) throw failure.error;
  kept.push(host);
  return report.loaded.length;
}

async function loadRaw() {
  if (mode === 'raw-hook') {
    register('./raw-hooks.mjs', import.meta.url, { data: { self: import.meta.resolve('plugboard') } });
  }
  const modules = await Promise.all(entries.map((url) => import(url)));
  for (const module of modules) kept.push(module.default.setup());
  return modules.length;
}

function settle() {
  if (globalThis.gc === undefined) throw new Error('--memory needs node --expose-gc');
  globalThis.gc();
  globalThis.gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}
