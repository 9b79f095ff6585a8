// isolation-call: call round trips into a worker-mode and a process-mode plugin, against raw
// postMessage, shared memory and fork() IPC round trips, all in one fresh process a round.
import { type Figure, toFigure } from './figure.js';
import { generateIsolatedPlugin, tempFolder } from './generate.js';
import { probe } from './probe.js';

export interface IsolationCallCase {
  /** Sequential awaited calls timed one by one, after as many to warm up. */
  readonly calls: number;
  /** Calls in flight at once for the pipelined figure. */
  readonly batch: number;
  /** Batches timed per round, after as many to warm up. */
  readonly batches: number;
  readonly rounds: number;
}

/** What probes/isolation-call.mjs prints: round trip medians in µs, pipelined rates in calls/s. */
interface CallProbe {
  readonly worker: { readonly p50: number; readonly pipelined: number };
  readonly postMessage: { readonly p50: number; readonly pipelined: number };
  readonly atomics: { readonly p50: number };
  readonly process: { readonly p50: number };
  readonly fork: { readonly p50: number };
}

/** What hashicorp/go-plugin needs for a call round trip on this machine: a reference, not a target. */
const GO_PLUGIN_CALL_US = 64;
const WORKER_P50_US = 10;
const PIPELINED_PER_S = 300_000;
const PROCESS_P50_US = 50;

export async function measureIsolationCall(plan: IsolationCallCase, judge: boolean): Promise<Figure[]> {
  await using folder = await tempFolder('outside');
  const plugin = await generateIsolatedPlugin(folder.path);
  const rounds: CallProbe[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const args = [plan.calls, plan.batch, plan.batches, round].map(String);
    rounds.push(await probe<CallProbe>('isolation-call.mjs', [plugin, ...args]));
  }
  const pick = (read: (round: CallProbe) => number) => rounds.map(read);
  const workerP50 = pick((round) => round.worker.p50);
  const thousands = (read: (round: CallProbe) => number) => pick((round) => read(round) / 1_000);
  return [
    toFigure(
      {
        id: 'worker-call',
        label: 'worker call round trip, p50',
        unit: 'µs',
        baselineLabel: 'raw postMessage round trip',
        target: `≤ ${WORKER_P50_US} µs`,
        meets: (us) => us <= WORKER_P50_US,
      },
      workerP50,
      pick((round) => round.postMessage.p50),
      judge,
    ),
    toFigure(
      {
        id: 'worker-call-shared',
        label: 'worker call round trip, p50, against shared memory',
        unit: 'µs',
        baselineLabel: 'raw SharedArrayBuffer + Atomics round trip',
        target: `go-plugin: ${GO_PLUGIN_CALL_US} µs`,
      },
      workerP50,
      pick((round) => round.atomics.p50),
      judge,
    ),
    toFigure(
      {
        id: 'worker-pipelined',
        label: `worker calls pipelined, ${plan.batch} in flight`,
        unit: 'k calls/s',
        baselineLabel: 'raw postMessage, as many in flight',
        target: `≥ ${PIPELINED_PER_S / 1_000}k calls/s`,
        meets: (thousand) => thousand * 1_000 >= PIPELINED_PER_S,
      },
      thousands((round) => round.worker.pipelined),
      thousands((round) => round.postMessage.pipelined),
      judge,
    ),
    toFigure(
      {
        id: 'process-call',
        label: 'process call round trip, p50',
        unit: 'µs',
        baselineLabel: "raw fork() IPC round trip, serialization 'json'",
        target: `≤ ${PROCESS_P50_US} µs`,
        meets: (us) => us <= PROCESS_P50_US,
      },
      pick((round) => round.process.p50),
      pick((round) => round.fork.p50),
      judge,
    ),
  ];
}
