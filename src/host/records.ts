import type { PluginError } from '../errors.js';
import type { RemoteCaller, StuckReport } from '../isolation/types.js';
import type { PluginState } from '../lifecycle/machine.js';
import type { LoadedPlugin } from '../loader/load-plugin.js';
import type { IsolationMode, Manifest } from '../manifest/schema.js';
import { createLatencyWindow, type LatencyWindow } from '../util/latency.js';
import type { PluginPolicy } from './policy.js';

/** Counters for the calls one plugin version (or one default implementation) served. */
export interface CallStats {
  calls: number;
  errors: number;
  inFlight: number;
  readonly latency: LatencyWindow;
  /** Called when `inFlight` drops to 0, while a reload waits for the old version to drain. */
  onIdle: (() => void) | undefined;
}

export function createStats(): CallStats {
  return { calls: 0, errors: 0, inFlight: 0, latency: createLatencyWindow(), onIdle: undefined };
}

/** Something that can serve calls for one contract: a plugin version's implementation, or a default. */
export interface CallTarget {
  readonly plugin: string;
  readonly version: string | undefined;
  readonly implementation: Readonly<Record<string, unknown>>;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly stats: CallStats;
  /** Set when the plugin runs behind a boundary: calls go through it, with a deadline. */
  readonly remote?: RemoteCaller | undefined;
  /** This plugin's own per-call deadline, when the host set one for it. */
  readonly callTimeoutMs?: number | undefined;
}

/** One version of one plugin, from discovery until it is unloaded. */
export interface PluginRecord {
  readonly name: string;
  readonly version: string;
  readonly folder: string;
  readonly realFolder: string;
  readonly manifest: Manifest;
  readonly isolation: IsolationMode;
  state: PluginState;
  error: PluginError | undefined;
  loaded: LoadedPlugin | undefined;
  /** Contract id → what serves calls, while the plugin is active. */
  targets: ReadonlyMap<string, CallTarget>;
  readonly stats: CallStats;
  startedAt: number | undefined;
  loadMs: number | undefined;
  /** What the host decided for this plugin when it was loaded. */
  readonly policy: PluginPolicy;
  /** When its worker or process was restarted after ending on its own, within the restart window. */
  readonly restarts: number[];
  /** Changes on every start, so that a late report from an earlier worker or process is ignored. */
  attempt: object;
  /** Set while a reload starts this version beside the current one, or retires it after the switch. */
  inReload: boolean;
  /** Workers of this plugin that were terminated and did not end. */
  readonly stuck: StuckReport[];
  /** What earlier workers or processes of this plugin dropped over their budget. */
  readonly traffic: { dropped: number; droppedBytes: number };
}

/** What `host.list()` tells about a plugin. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  /** The plugin folder, as it was found. */
  readonly path: string;
  readonly state: PluginState;
  readonly isolation: IsolationMode;
  readonly description: string | undefined;
  readonly provides: Readonly<Record<string, string>>;
  readonly requires: Readonly<Record<string, string>>;
  /** Why the plugin failed, while it is `failed`. */
  readonly error: PluginError | undefined;
}

export function createRecord(
  folder: string,
  realFolder: string,
  manifest: Manifest,
  isolation: IsolationMode,
  policy: PluginPolicy,
): PluginRecord {
  return {
    name: manifest.name,
    version: manifest.version,
    folder,
    realFolder,
    manifest,
    isolation,
    state: 'discovered',
    error: undefined,
    loaded: undefined,
    targets: new Map(),
    stats: createStats(),
    startedAt: undefined,
    loadMs: undefined,
    policy,
    restarts: [],
    attempt: {},
    inReload: false,
    stuck: [],
    traffic: { dropped: 0, droppedBytes: 0 },
  };
}

export function toInfo(record: PluginRecord): PluginInfo {
  return {
    name: record.name,
    version: record.version,
    path: record.folder,
    state: record.state,
    isolation: record.isolation,
    description: record.manifest.description,
    provides: record.manifest.provides,
    requires: record.manifest.requires ?? {},
    error: record.error,
  };
}
