// npm run bench [-- --quick] [-- --out FILE] [-- --only WORD]: measures every figure (or those of the
// steps whose name starts with WORD, such as `reload`), writes the JSON, prints the table.
// PLUGBOARD_BENCH_RELOADS=N makes the reload memory figure N reloads rather than 1,000.
// The bench reports; it does not gate: a missed target still exits 0.
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CALL_TARGET_RATIO, type CallCase, measureCall } from './call.js';
import type { Figure } from './figure.js';
import { type IsolationCallCase, measureIsolationCall } from './isolation-call.js';
import { type IsolationMemoryCase, measureIsolationMemory } from './isolation-memory.js';
import { type IsolationStartCase, measureIsolationStart } from './isolation-start.js';
import { type LoadCase, measureLoad } from './load.js';
import { type MemoryCase, measureMemory } from './memory.js';
import {
  measureReloadCalls,
  measureReloadLatency,
  type ReloadCallsCase,
  type ReloadLatencyCase,
} from './reload-latency.js';
import { measureReloadMemory, type ReloadMemoryCase } from './reload-memory.js';
import { environment, formatTable, writeResults } from './report.js';
import { measureScan, type ScanCase } from './scan.js';

interface Plan {
  readonly call: CallCase;
  readonly load: readonly LoadCase[];
  readonly scan: ScanCase;
  readonly memory: MemoryCase;
  readonly isolationCall: IsolationCallCase;
  readonly isolationStart: IsolationStartCase;
  readonly isolationMemory: IsolationMemoryCase;
  readonly reloadLatency: ReloadLatencyCase;
  readonly reloadCalls: ReloadCallsCase;
  readonly reloadMemory: ReloadMemoryCase;
}

const small = { target: '≤ 80 ms and ≤ 1.5×', meets: (ms: number, ratio: number) => ms <= 80 && ratio <= 1.5 };
const large = { target: '≤ 1000 ms', meets: (ms: number) => ms <= 1_000 };

const FULL: Plan = {
  call: { calls: 2_000_000, rounds: 15, warmup: 3 },
  load: [
    { id: 'load', count: 100, place: 'repo', rounds: 9, target: small },
    { id: 'load-large', count: 1_000, place: 'repo', rounds: 5, target: large },
    { id: 'load-hook', count: 100, place: 'outside', rounds: 9, target: small },
    { id: 'load-large-hook', count: 1_000, place: 'outside', rounds: 5, target: large },
  ],
  scan: { count: 10_000, rounds: 5 },
  memory: { count: 1_000, rounds: 5 },
  isolationCall: { calls: 20_000, batch: 10_000, batches: 5, rounds: 5 },
  isolationStart: { starts: 10, rounds: 5 },
  isolationMemory: { cycles: 500, rounds: 3 },
  reloadLatency: { reloads: 10, rounds: 5 },
  reloadCalls: { reloads: 20, rounds: 3 },
  reloadMemory: { reloads: Number(process.env.PLUGBOARD_BENCH_RELOADS ?? 1_000), rounds: 3 },
};

const QUICK: Plan = {
  call: { calls: 20_000, rounds: 1, warmup: 1 },
  load: FULL.load.map((load) => ({ ...load, count: load.count / 10, rounds: 1 })),
  scan: { count: 100, rounds: 1 },
  memory: { count: 50, rounds: 1 },
  isolationCall: { calls: 200, batch: 200, batches: 2, rounds: 1 },
  isolationStart: { starts: 1, rounds: 1 },
  isolationMemory: { cycles: 5, rounds: 1 },
  reloadLatency: { reloads: 1, rounds: 1 },
  reloadCalls: { reloads: 2, rounds: 1 },
  reloadMemory: { reloads: 50, rounds: 1 },
};

const root = resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' } },
});
const quick = flags.quick === true;
const plan = quick ? QUICK : FULL;
const { only } = flags;
// A partial run does not overwrite the full results.
const out = resolve(flags.out ?? join(root, 'bench', 'results', only === undefined ? 'latest.json' : `${only}.json`));
const judge = !quick;

await warnIfDistIsStale();
const started = environment();
const figures: Figure[] = [];
const step = async <T extends Figure | Figure[]>(what: string, work: () => Promise<T>) => {
  if (only !== undefined && !what.startsWith(only)) return;
  process.stderr.write(`bench: ${what}…\n`);
  const result = await work();
  figures.push(...(Array.isArray(result) ? result : [result]));
};
await step(`call (${plan.call.rounds} rounds, target ≤ ${CALL_TARGET_RATIO}×)`, () => measureCall(plan.call, judge));
for (const load of plan.load) await step(`${load.id} (${load.count} plugins)`, () => measureLoad(load, judge));
await step(`scan (${plan.scan.count} manifests)`, () => measureScan(plan.scan, judge));
await step(`memory (${plan.memory.count} plugins)`, () => measureMemory(plan.memory));
const { isolationCall, isolationStart, isolationMemory } = plan;
await step(`isolation call (${isolationCall.rounds} rounds)`, () => measureIsolationCall(isolationCall, judge));
await step(`isolation start (${isolationStart.rounds} rounds)`, () => measureIsolationStart(isolationStart, judge));
await step(`isolation memory (${isolationMemory.cycles} cycles)`, () => measureIsolationMemory(isolationMemory, judge));
const { reloadLatency, reloadCalls, reloadMemory } = plan;
await step(`reload latency (${reloadLatency.rounds} rounds)`, () => measureReloadLatency(reloadLatency, judge));
await step(`reload calls (${reloadCalls.reloads} reloads)`, () => measureReloadCalls(reloadCalls, judge));
await step(`reload memory (${reloadMemory.reloads} reloads)`, () => measureReloadMemory(reloadMemory, judge));

const results = { ...started, quick, figures };
await writeResults(out, results);
console.log(formatTable(results));
console.log(`\nwritten to ${out}`);

/** The bench imports the built dist/; numbers from a build older than src/ would mislead. */
async function warnIfDistIsStale(): Promise<void> {
  let built: number;
  try {
    built = statSync(join(root, 'dist', 'index.js')).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const sources = await readdir(join(root, 'src'), { recursive: true });
  const newer = sources.filter((file) => file.endsWith('.ts') && statSync(join(root, 'src', file)).mtimeMs > built);
  if (newer.length > 0)
    process.stderr.write(`bench: warning: src/${newer[0]} is newer than dist/; run npm run build if dist/ is stale\n`);
}
