import semver from 'semver';
import type { Logger } from '../contract/define-plugin.js';
import { describeValue, isPluginError, PluginError, type PluginErrorCode } from '../errors.js';
import type { Discovery } from '../loader/discover.js';
import type { Manifest } from '../manifest/schema.js';
import { createDisposer, type Disposer } from '../util/disposer.js';
import type { Emitter } from '../util/emitter.js';
import { withTimeout } from '../util/timeout.js';
import { requirementsOf } from './dependencies.js';
import type { HostEvents, PluginRef } from './events.js';
import type { Timeouts } from './options.js';
import { type PluginInfo, type PluginRecord, toInfo } from './records.js';
import type { Registry, Slot } from './registry.js';
import { type Runner, refOf } from './runner.js';

/** The two versions a reload is about to switch between. */
export interface SwapProposal {
  readonly previous: PluginInfo;
  readonly next: PluginInfo;
}

/** Decides whether a started new version takes over: `false` (or a throw) keeps the old one serving. */
export type BeforeSwap = (swap: SwapProposal) => boolean | undefined | Promise<boolean | undefined>;

export interface ReloadOptions {
  /**
   * How long calls in flight on the old version may take to finish after the switch, before it
   * is stopped anyway. Defaults to the plugin's call deadline.
   */
  readonly drainMs?: number;
  readonly beforeSwap?: BeforeSwap;
}

/** What a reload did. */
export interface ReloadReport {
  readonly name: string;
  /** The version that served before (it may have been failed rather than active). */
  readonly previous: PluginRef;
  /** The version that serves now. */
  readonly next: PluginRef;
  /** Whether the new version's `importState()` received what the old version's `exportState()` gave. */
  readonly stateHandedOver: boolean;
  /** Calls still running on the old version when its drain deadline passed; 0 when all finished. */
  readonly abandonedCalls: number;
  readonly durationMs: number;
}

/** A reload under way: await it for its report; dispose of it to abandon it before the switch. */
export type PendingReload = Promise<ReloadReport> & Disposer;

export interface ReloaderDeps {
  readonly registry: Registry;
  readonly runner: Runner;
  readonly events: Emitter<HostEvents>;
  readonly logger: Logger;
  readonly timeouts: Timeouts;
  readonly defaults: ReloadOptions;
  readonly hostContracts: ReadonlySet<string>;
  readonly discover: (folder: string) => Promise<Discovery>;
  /** Why the host would not start this manifest beside what it has: fit, isolation, requirements. */
  readonly refuse: (record: PluginRecord) => PluginError | undefined;
  /** A record for the new version, made as a load would make it, with the old version's load options. */
  readonly createRecord: (discovery: Discovery & { ok: true }, previous: PluginRecord) => PluginRecord;
  /** Loads a plugin whose current version is not active, as `load()` would. */
  readonly loadAfresh: (discovery: Discovery & { ok: true }, previous: PluginRecord) => Promise<PluginInfo>;
  /** The active plugins that need this one. */
  readonly dependentsOf: (record: PluginRecord) => PluginRecord[];
  /** Settles once loads and restarts under way have finished. */
  readonly settled: () => Promise<void>;
}

export interface Reloader {
  reload(name: string, options?: ReloadOptions): PendingReload;
  /** Reloads under way or waiting, so that unloading and closing can wait for them. */
  pending(): Promise<unknown>[];
}

interface Queue {
  running: Promise<unknown>;
  waiting: PendingReload | undefined;
}

/**
 * Reloads one plugin at a time per name: the new version is started beside the old one, given
 * its state, offered to `beforeSwap`, and only then made current. Calls that started before the
 * switch finish on the old version (within the drain deadline) before it is stopped. Any failure
 * before the switch leaves the old version serving, untouched.
 */
export function createReloader(deps: ReloaderDeps): Reloader {
  const { registry, runner, events } = deps;
  const queues = new Map<string, Queue>();

  const reload = (name: string, options: ReloadOptions = {}): PendingReload => {
    const queue = queues.get(name);
    // A reload asked for while another waits to start joins it: both would read the same files.
    if (queue?.waiting !== undefined) return queue.waiting;
    let cancelled = false;
    const before = queue?.running ?? Promise.resolve();
    const work = before
      .catch(() => {})
      .then(() => {
        const current = queues.get(name);
        if (current !== undefined && current.waiting === pending) current.waiting = undefined;
        return run(name, options, () => cancelled);
      });
    const done = work.finally(() => {
      if (queues.get(name)?.running === done) queues.delete(name);
    });
    done.catch(() => {});
    const pending = pendingReload(
      done,
      createDisposer(() => {
        cancelled = true;
      }),
    );
    if (queue === undefined) queues.set(name, { running: done, waiting: undefined });
    else {
      queue.running = done;
      queue.waiting = pending;
    }
    return pending;
  };

  async function run(name: string, options: ReloadOptions, cancelled: () => boolean): Promise<ReloadReport> {
    const started = performance.now();
    await deps.settled();
    const slot = registry.slot(name);
    if (slot === undefined) {
      const names = [...registry.slots()].map((each) => each.name);
      throw new PluginError(
        'PLUGIN_NOT_FOUND',
        `no plugin named \`${name}\` is loaded (loaded: ${names.join(', ') || 'none'})`,
        { plugin: name },
      );
    }
    const previous = slot.current;
    events.emit('reloading', { plugin: refOf(previous) });
    let next: PluginRecord | undefined;
    let stateHandedOver = false;
    try {
      const discovery = await deps.discover(previous.folder);
      if (!discovery.ok) throw discovery.error;
      checkName(discovery.manifest, previous);
      checkCancelled(cancelled, previous);
      if (previous.state !== 'active') {
        await deps.loadAfresh(discovery, previous);
        return finish(name, previous, refOf(slotOf(name).current), false, 0, started);
      }
      checkDependents(discovery.manifest, previous);
      next = deps.createRecord(discovery, previous);
      next.inReload = true;
      slot.records.add(next);
      runner.discovered(next);
      const refused = deps.refuse(next);
      runner.move(next, refused === undefined ? 'resolve' : 'fail', refused);
      if (refused !== undefined) throw refused;
      await runner.start(next);
      if (next.state !== 'active') throw next.error as PluginError;
      checkCancelled(cancelled, previous);
      stateHandedOver = await handOver(previous, next);
      checkCancelled(cancelled, previous);
      await askBeforeSwap(options.beforeSwap ?? deps.defaults.beforeSwap, previous, next);
      checkCancelled(cancelled, previous);
      if (next.state !== 'active') throw next.error as PluginError;
      registry.place(next); // the switch: every call from here on finds the new version
      next.inReload = false;
      previous.inReload = true;
    } catch (error) {
      const failure = asReloadError(error, previous);
      if (next !== undefined) {
        await runner.stop(next, deps.timeouts.teardownMs);
        slot.records.delete(next);
      }
      deps.logger.warn(`reload of plugin ${name} failed; version ${previous.version} keeps serving`, {
        code: failure.code,
        error: failure.message,
      });
      events.emit('reload-failed', {
        plugin: refOf(previous),
        attempted: next === undefined ? undefined : refOf(next),
        error: failure,
      });
      throw failure;
    }
    const drainMs = options.drainMs ?? deps.defaults.drainMs ?? previous.policy.callTimeoutMs ?? deps.timeouts.callMs;
    const abandonedCalls = await drain(previous, drainMs);
    await runner.stop(previous, deps.timeouts.teardownMs);
    slot.records.delete(previous);
    slot.reloads++;
    return finish(name, previous, refOf(next), stateHandedOver, abandonedCalls, started);
  }

  function finish(
    name: string,
    previous: PluginRecord,
    next: PluginRef,
    stateHandedOver: boolean,
    abandonedCalls: number,
    started: number,
  ): ReloadReport {
    const report: ReloadReport = {
      name,
      previous: refOf(previous),
      next,
      stateHandedOver,
      abandonedCalls,
      durationMs: performance.now() - started,
    };
    events.emit('reloaded', report);
    return report;
  }

  function slotOf(name: string): Slot {
    return registry.slot(name) as Slot;
  }

  // A new version that no longer satisfies what an active plugin requires of this one would
  // break it: refused, like any other reason not to switch.
  function checkDependents(manifest: Manifest, previous: PluginRecord): void {
    const broken: string[] = [];
    const related = new Set<string>();
    for (const dependent of deps.dependentsOf(previous)) {
      for (const requirement of requirementsOf(dependent.manifest, deps.hostContracts)) {
        const breaks =
          requirement.kind === 'plugin'
            ? requirement.key === previous.name && !semver.satisfies(manifest.version, requirement.range)
            : requirement.key in previous.manifest.provides && !(requirement.key in manifest.provides);
        if (!breaks) continue;
        broken.push(`${dependent.name} requires ${requirement.key} ${requirement.range}`);
        related.add(dependent.name);
      }
    }
    if (broken.length === 0) return;
    throw reloadError(
      'RELOAD_BREAKS_DEPENDENT',
      previous,
      `version ${manifest.version} would break: ${broken.join('; ')}`,
      { related: [...related] },
    );
  }

  async function handOver(previous: PluginRecord, next: PluginRecord): Promise<boolean> {
    const from = previous.loaded?.instance;
    const to = next.loaded?.instance;
    // Only what both versions define is asked for: a round trip to a busy worker costs a deadline.
    if (previous.state !== 'active' || from === undefined || to === undefined) return false;
    if (!from.hooks.exportState || !to.hooks.importState) return false;
    const budget = deps.timeouts.setupMs;
    const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await withTimeout(work(), budget, () => new Error(`${what} did not finish within ${budget} ms`));
      } catch (error) {
        throw reloadError('RELOAD_STATE_FAILED', previous, `${what} failed: ${describeValue(error)}`, {
          cause: error,
        });
      }
    };
    // Past the deadline a worker or process is also ended (the hook may be stuck in a loop),
    // and restarted under its policy: a version that cannot answer cannot go on serving.
    const state = await step('exportState()', () => from.exportState(budget));
    if (state === undefined) return false;
    // Structured-cloneable, as it must be to cross into a worker or process: inline versions
    // get a copy too, so the old one cannot change what the new one holds.
    const copy = await step('copying the exported state', async () => structuredClone(state));
    await step('importState()', () => to.importState(copy, budget));
    return true;
  }

  async function askBeforeSwap(hook: BeforeSwap | undefined, previous: PluginRecord, next: PluginRecord) {
    if (hook === undefined) return;
    let verdict: boolean | undefined;
    try {
      verdict = await hook({ previous: toInfo(previous), next: toInfo(next) });
    } catch (error) {
      throw reloadError('RELOAD_VETOED', previous, `beforeSwap threw: ${describeValue(error)}`, { cause: error });
    }
    if (verdict === false) throw reloadError('RELOAD_VETOED', previous, `beforeSwap refused version ${next.version}`);
  }

  return {
    reload,
    pending: () => [...queues.values()].map((queue) => queue.running),
  };
}

// A disposer that is also the reload's promise: `await` it, or call it to abandon the reload.
function pendingReload(done: Promise<ReloadReport>, cancel: Disposer): PendingReload {
  return Object.assign(cancel, {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, so that `await` works
    then: done.then.bind(done),
    catch: done.catch.bind(done),
    finally: done.finally.bind(done),
    [Symbol.toStringTag]: 'PendingReload',
  }) as unknown as PendingReload;
}

function checkName(manifest: Manifest, previous: PluginRecord): void {
  if (manifest.name === previous.name) return;
  throw reloadError(
    'RELOAD_NAME_CHANGED',
    previous,
    `the manifest in ${previous.folder} now names \`${manifest.name}\`; unload \`${previous.name}\` and load the folder to rename a plugin`,
  );
}

function checkCancelled(cancelled: () => boolean, previous: PluginRecord): void {
  if (cancelled()) throw reloadError('RELOAD_CANCELLED', previous, 'the reload was abandoned before the switch');
}

/** Waits until the old version has no call in flight, or `ms` pass; returns how many are left. */
function drain(record: PluginRecord, ms: number): Promise<number> {
  const stats = record.stats;
  if (stats.inFlight === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stats.onIdle = undefined;
      resolve(stats.inFlight);
    };
    const timer = setTimeout(done, ms);
    stats.onIdle = done;
  });
}

function reloadError(
  code: PluginErrorCode,
  previous: PluginRecord,
  message: string,
  options: { cause?: unknown; related?: readonly string[] } = {},
): PluginError {
  return new PluginError(code, message, {
    plugin: previous.name,
    version: previous.version,
    path: previous.folder,
    ...options,
  });
}

function asReloadError(error: unknown, previous: PluginRecord): PluginError {
  if (isPluginError(error)) return error;
  return reloadError('INTERNAL_ERROR', previous, 'the reload failed in an unexpected way (a bug in plugboard)', {
    cause: error,
  });
}
