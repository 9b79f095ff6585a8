// reload-latency: from the write of a new version's entry to the first call the new version
// answers, per isolation mode, against the least a raw reload takes there; and calls made by
// 8 steady callers while a plugin is reloaded again and again. Each side in a fresh process.
import { join } from 'node:path';
import { type Figure, median, toFigure } from './figure.js';
import { tempFolder } from './generate.js';
import { probe, rotatedRounds } from './probe.js';

export interface ReloadLatencyCase {
  /** Reloads timed per side and round, after one to warm up. */
  readonly reloads: number;
  readonly rounds: number;
}

export interface ReloadCallsCase {
  /** Reloads per mode and round while the callers call. */
  readonly reloads: number;
  readonly rounds: number;
}

interface LatencyProbe {
  readonly median: number;
}

interface CallsProbe {
  readonly calls: number;
  /** Failed calls by error code. */
  readonly failed: Readonly<Record<string, number>>;
  /** The slowest call that overlapped a reload, in ms. */
  readonly worstDuring: number;
  readonly medianOutside: number;
}

// See probes/reload-latency.mjs for what each side does.
const SIDES = [
  'inline',
  'inline-direct',
  'raw-watch',
  'raw-import',
  'worker',
  'worker-direct',
  'raw-worker',
  'process',
  'process-pool',
  'raw-fork',
] as const;
type LatencySide = (typeof SIDES)[number];
const MODES = ['inline', 'worker', 'process'] as const;

const INLINE_MS = 50;
/** A worker reload may take this much longer than a raw Worker that imports the plugin and answers. */
const WORKER_OVER_RAW_MS = 20;

export async function measureReloadLatency(plan: ReloadLatencyCase, judge: boolean): Promise<Figure[]> {
  await using folder = await tempFolder('outside');
  const results = await rotatedRounds(plan.rounds, SIDES, (side) =>
    probe<LatencyProbe>('reload-latency.mjs', [side, join(folder.path, side), String(plan.reloads)]),
  );
  const ms = (side: LatencySide) => results[side].map((result) => result.median);
  const rawWorker = median(ms('raw-worker'));
  const figure = (id: string, label: string, side: LatencySide, raw: LatencySide, rawLabel: string, target = {}) =>
    toFigure(
      { id, label, unit: 'ms', baselineLabel: rawLabel, target: 'report only', ...target },
      ms(side),
      ms(raw),
      judge,
    );
  return [
    figure(
      'reload-inline',
      'inline reload, file write → first call on the new version (watch)',
      'inline',
      'raw-watch',
      'raw fs.watch() + import() under a new query',
      { target: `p50 ≤ ${INLINE_MS} ms`, meets: (ms: number) => ms <= INLINE_MS },
    ),
    figure(
      'reload-inline-direct',
      'inline reload, file write → first call on the new version (host.reload())',
      'inline-direct',
      'raw-import',
      'raw import() under a new query',
    ),
    figure(
      'reload-worker',
      'worker reload, file write → first call on the new version (watch)',
      'worker',
      'raw-worker',
      'raw new Worker() importing the plugin, first answer',
      {
        target: `≤ raw + ${WORKER_OVER_RAW_MS} ms`,
        meets: (ms: number) => ms <= rawWorker + WORKER_OVER_RAW_MS,
      },
    ),
    figure(
      'reload-worker-direct',
      'worker reload, file write → first call on the new version (host.reload())',
      'worker-direct',
      'raw-worker',
      'raw new Worker() importing the plugin, first answer',
    ),
    figure(
      'reload-process',
      'process reload, file write → first call on the new version (watch)',
      'process',
      'raw-fork',
      'raw fork() importing the plugin, first answer',
    ),
    figure(
      'reload-process-pool',
      'process reload with pool: 2 (watch)',
      'process-pool',
      'raw-fork',
      'raw fork() importing the plugin, first answer',
    ),
  ];
}

export async function measureReloadCalls(plan: ReloadCallsCase, judge: boolean): Promise<Figure[]> {
  await using folder = await tempFolder('outside');
  const results = await rotatedRounds(plan.rounds, MODES, async (mode) => {
    const result = await probe<CallsProbe>('reload-calls.mjs', [mode, join(folder.path, mode), String(plan.reloads)]);
    const failed = Object.entries(result.failed);
    if (failed.length > 0) {
      const codes = failed.map(([code, count]) => `${count} ${code}`).join(', ');
      process.stderr.write(`bench: ${mode}: calls failed during reloads: ${codes}\n`);
    }
    return result;
  });
  // A failure in any round counts: the totals of all rounds, not a median.
  const all = MODES.flatMap((mode) => results[mode]);
  const failed = all.reduce((total, result) => total + sum(Object.values(result.failed)), 0);
  const made = all.reduce((total, result) => total + result.calls, 0);
  return [
    toFigure(
      {
        id: 'reload-calls-failed',
        label: `failed calls, 8 callers, ${plan.reloads} reloads a mode, all rounds`,
        unit: 'calls',
        baselineLabel: 'calls made',
        target: '0',
        meets: (failed) => failed === 0,
      },
      [failed],
      [made],
      judge,
    ),
    ...MODES.map((mode) =>
      toFigure(
        {
          id: `reload-calls-worst-${mode}`,
          label: `${mode}: slowest call overlapping a reload, 8 callers`,
          unit: 'µs',
          baselineLabel: 'p50 call outside reloads',
          target: 'report only',
        },
        results[mode].map((result) => result.worstDuring * 1_000),
        results[mode].map((result) => result.medianOutside * 1_000),
        judge,
      ),
    ),
  ];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
