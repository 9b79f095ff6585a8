import type { AnyContract } from '../contract/define-contract.js';
import type { PoolState, StuckReport } from '../isolation/types.js';
import type { PluginRecord } from './records.js';
import { type PluginInfo, toInfo } from './records.js';
import type { Registry } from './registry.js';

export interface PluginSnapshot extends PluginInfo {
  readonly calls: number;
  readonly errors: number;
  readonly inFlight: number;
  /**
   * Over the most recent timed calls: every async call, and one validated synchronous call in
   * 64. Synchronous calls with validation off are counted, not timed.
   */
  readonly latencyMs: { readonly p50: number | undefined; readonly p99: number | undefined; readonly samples: number };
  /** Restarts of its worker or process within the restart policy's window. */
  readonly restarts: number;
  /** Reloads that switched this plugin to a new version since it was loaded. */
  readonly reloads: number;
  /**
   * What it sent unasked over its budget and was dropped: log entries, `ctx.use()` requests
   * (counted in `messages`), and output (counted in `bytes` only). Worker and process modes.
   */
  readonly dropped: { readonly messages: number; readonly bytes: number };
  /** Its workers that were terminated but are held by a system call (see the `stuck` event). */
  readonly stuck: readonly StuckReport[];
  /** Time from the start of the entry import to the end of the contract checks. */
  readonly loadMs: number | undefined;
  readonly startedAt: string | undefined;
}

export interface ContractSnapshot {
  readonly id: string;
  readonly version: string;
  /** Names of the active plugins that provide it, in the order calls try them. */
  readonly providers: readonly string[];
  readonly hasDefault: boolean;
}

export interface HostSnapshot {
  readonly version: string;
  readonly closed: boolean;
  /** Process mode's children started ahead of need (`isolation.pool`), and how many are ready. */
  readonly pool: PoolState;
  /**
   * Inline plugin evaluations Node holds until the process ends: each reload of an inline plugin
   * that could not be bundled as CommonJS adds one. Worker and process reloads add none.
   */
  readonly retainedModules: number;
  readonly contracts: readonly ContractSnapshot[];
  readonly plugins: readonly PluginSnapshot[];
}

export function snapshot(
  registry: Registry,
  contracts: Iterable<AnyContract>,
  host: {
    readonly version: string;
    readonly closed: boolean;
    readonly pool: PoolState;
    readonly retainedModules: number;
  },
): HostSnapshot {
  const plugins = [...registry.slots()].map(
    ({ current: record, reloads }): PluginSnapshot => ({
      ...toInfo(record),
      calls: record.stats.calls,
      errors: record.stats.errors,
      inFlight: record.stats.inFlight,
      latencyMs: record.stats.latency.percentiles(),
      restarts: record.restarts.length,
      reloads,
      dropped: dropped(record),
      stuck: [...record.stuck],
      loadMs: record.loadMs,
      startedAt: record.startedAt === undefined ? undefined : new Date(record.startedAt).toISOString(),
    }),
  );
  return {
    version: host.version,
    closed: host.closed,
    pool: host.pool,
    retainedModules: host.retainedModules,
    contracts: [...contracts].map((contract) => ({
      id: contract.id,
      version: contract.version,
      providers: registry.providers(contract.id).map((target) => target.plugin),
      hasDefault: registry.fallback(contract.id) !== undefined,
    })),
    plugins,
  };
}

function dropped(record: PluginRecord): { messages: number; bytes: number } {
  const now = record.loaded?.instance.traffic?.() ?? { dropped: 0, droppedBytes: 0 };
  return { messages: record.traffic.dropped + now.dropped, bytes: record.traffic.droppedBytes + now.droppedBytes };
}
