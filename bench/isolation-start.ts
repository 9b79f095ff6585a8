// isolation-start: time until a worker-mode or process-mode plugin is ready, against a raw
// Worker or fork() until its first message, and a pooled start against a raw warm child that
// imports the plugin; each side in a fresh process a round.
import { type Figure, toFigure } from './figure.js';
import { generateIsolatedPlugin, tempFolder } from './generate.js';
import { probe, rotatedRounds } from './probe.js';

export interface IsolationStartCase {
  /** Starts timed per side and round, after one to warm up. */
  readonly starts: number;
  readonly rounds: number;
}

interface StartProbe {
  readonly median: number;
  /** process-pool: starts that found no warm child, so were tried again. */
  readonly misses?: number;
}

const SIDES = ['worker', 'raw-worker', 'process', 'raw-fork', 'process-pool', 'raw-pool'] as const;
const START_RATIO = 1.2;
const POOL_START_MS = 5;

export async function measureIsolationStart(plan: IsolationStartCase, judge: boolean): Promise<Figure[]> {
  await using folder = await tempFolder('outside');
  const plugin = await generateIsolatedPlugin(folder.path);
  const results = await rotatedRounds(plan.rounds, SIDES, (side) =>
    probe<StartProbe>('isolation-start.mjs', [side, plugin, String(plan.starts)]),
  );
  const ms = (side: (typeof SIDES)[number]) => results[side].map((result) => result.median);
  const misses = results['process-pool'].reduce((sum, result) => sum + (result.misses ?? 0), 0);
  if (misses > 0) process.stderr.write(`bench: ${misses} pool starts found no warm child and were tried again\n`);
  const ratio = { target: `≤ ${START_RATIO}×`, meets: (_: number, ratio: number) => ratio <= START_RATIO };
  return [
    toFigure(
      {
        id: 'worker-start',
        label: 'worker plugin start, until ready',
        unit: 'ms',
        baselineLabel: 'raw new Worker() until its first message',
        ...ratio,
      },
      ms('worker'),
      ms('raw-worker'),
      judge,
    ),
    toFigure(
      {
        id: 'process-start',
        label: 'process plugin start, cold',
        unit: 'ms',
        baselineLabel: 'raw fork() until its first message',
        ...ratio,
      },
      ms('process'),
      ms('raw-fork'),
      judge,
    ),
    toFigure(
      {
        id: 'process-start-pool',
        label: 'process plugin start, warm child free (pool: 2)',
        unit: 'ms',
        baselineLabel: 'raw warm child: import() + setup()',
        target: `≤ ${POOL_START_MS} ms`,
        meets: (ms) => ms <= POOL_START_MS,
      },
      ms('process-pool'),
      ms('raw-pool'),
      judge,
    ),
  ];
}
