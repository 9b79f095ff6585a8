// reload-memory: resident size and heap growth over many reloads of one plugin per mode, against
// as many ES module imports under a new query string (which Node keeps for good), each in a
// fresh process run with --expose-gc.
import { join } from 'node:path';
import { type Figure, toFigure } from './figure.js';
import { tempFolder } from './generate.js';
import { probe, rotatedRounds } from './probe.js';

export interface ReloadMemoryCase {
  readonly reloads: number;
  readonly rounds: number;
}

interface Reading {
  /** Bytes, after GC. */
  readonly rss: number;
  readonly heapUsed: number;
}

interface MemoryProbe {
  readonly reloads: number;
  /** Time spent reloading, in ms. */
  readonly ms: number;
  readonly before: Reading;
  readonly middle: Reading;
  readonly after: Reading;
  readonly retainedModules: number;
}

// See probes/reload-memory.mjs; process mode runs with a pool of 2.
const SIDES = ['inline', 'worker', 'process', 'raw-esm'] as const;
type Side = (typeof SIDES)[number];
const GROWTH_MB = 20;

export async function measureReloadMemory(plan: ReloadMemoryCase, judge: boolean): Promise<Figure[]> {
  await using folder = await tempFolder('outside');
  const results = await rotatedRounds(plan.rounds, SIDES, async (side) => {
    const result = await probe<MemoryProbe>(
      'reload-memory.mjs',
      [side, join(folder.path, side), String(plan.reloads)],
      ['--expose-gc'],
    );
    if (result.reloads !== plan.reloads) throw new Error(`${side} ran ${result.reloads} of ${plan.reloads} reloads`);
    // The plugin can be bundled, so no inline reload should fall back to an import Node keeps.
    if (result.retainedModules > 0) process.stderr.write(`bench: ${side} retained ${result.retainedModules} modules\n`);
    process.stderr.write(`bench: ${describe(side, result)}\n`);
    return result;
  });
  const growth = (side: Side, field: keyof Reading, scale: number) =>
    results[side].map((result) => (result.after[field] - result.before[field]) / scale);
  const perReload = (side: Side, field: keyof Reading) => growth(side, field, 1024 * plan.reloads);
  const raw = `raw ESM import() under a new query, ${plan.reloads} times`;
  const inline = { unit: 'KiB', baselineLabel: raw, target: 'report only' };
  const bounded = {
    unit: 'MB',
    baselineLabel: raw,
    target: `≤ ${GROWTH_MB} MB`,
    meets: (mb: number) => mb <= GROWTH_MB,
  };
  return [
    toFigure(
      { ...inline, id: 'reload-memory-inline-rss', label: `inline: RSS growth per reload (${plan.reloads} reloads)` },
      perReload('inline', 'rss'),
      perReload('raw-esm', 'rss'),
      judge,
    ),
    toFigure(
      {
        ...inline,
        id: 'reload-memory-inline-heap',
        label: `inline: heapUsed growth per reload (${plan.reloads} reloads)`,
      },
      perReload('inline', 'heapUsed'),
      perReload('raw-esm', 'heapUsed'),
      judge,
    ),
    toFigure(
      { ...bounded, id: 'reload-memory-worker-rss', label: `worker: RSS growth after ${plan.reloads} reloads` },
      growth('worker', 'rss', 1e6),
      growth('raw-esm', 'rss', 1e6),
      judge,
    ),
    toFigure(
      {
        ...bounded,
        id: 'reload-memory-process-rss',
        label: `process (pool: 2): RSS growth after ${plan.reloads} reloads`,
      },
      growth('process', 'rss', 1e6),
      growth('raw-esm', 'rss', 1e6),
      judge,
    ),
  ];
}

/** Growth in each half of the reloads (does it level off?), and the time a reload took. */
function describe(side: Side, { reloads, ms, before, middle, after }: MemoryProbe): string {
  const mb = (from: Reading, to: Reading, field: keyof Reading) => ((to[field] - from[field]) / 1e6).toFixed(1);
  const halves = (field: keyof Reading) => `${mb(before, middle, field)} + ${mb(middle, after, field)} MB`;
  return `${side}: RSS ${halves('rss')}, heapUsed ${halves('heapUsed')}, ${(ms / reloads).toFixed(1)} ms a reload`;
}
