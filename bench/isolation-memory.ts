// isolation-memory: resident size growth over many load/unload cycles of a worker-mode plugin,
// against as many raw Worker start/terminate cycles, each in a fresh process run with --expose-gc.
import { type Figure, toFigure } from './figure.js';
import { generateIsolatedPlugin, tempFolder } from './generate.js';
import { pairedRounds, probe } from './probe.js';

export interface IsolationMemoryCase {
  readonly cycles: number;
  readonly rounds: number;
}

interface MemoryProbe {
  readonly cycles: number;
  /** Resident sizes in bytes, after GC. */
  readonly before: number;
  readonly after: number;
}

const GROWTH_MB = 20;

export async function measureIsolationMemory(plan: IsolationMemoryCase, judge: boolean): Promise<Figure> {
  await using folder = await tempFolder('outside');
  const plugin = await generateIsolatedPlugin(folder.path);
  const growth = await pairedRounds(plan.rounds, async (side) => {
    const result = await probe<MemoryProbe>(
      'isolation-memory.mjs',
      [side, plugin, String(plan.cycles)],
      ['--expose-gc'],
    );
    if (result.cycles !== plan.cycles) throw new Error(`${side} ran ${result.cycles} of ${plan.cycles} cycles`);
    return (result.after - result.before) / 1e6;
  });
  return toFigure(
    {
      id: 'worker-unload-rss',
      label: `RSS growth after ${plan.cycles} worker load/unload cycles`,
      unit: 'MB',
      baselineLabel: 'raw Worker start/terminate cycles',
      target: `≤ ${GROWTH_MB} MB`,
      meets: (mb) => mb <= GROWTH_MB,
    },
    growth.host,
    growth.raw,
    judge,
  );
}
