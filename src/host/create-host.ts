import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { AnyContract, Api, AsyncApi, Implementation } from '../contract/define-contract.js';
import { PluginError } from '../errors.js';
import { createInlineIsolation } from '../isolation/inline.js';
import { createProcessIsolation } from '../isolation/process.js';
import type { Isolation } from '../isolation/types.js';
import { createViews } from '../isolation/view.js';
import { createWorkerIsolation } from '../isolation/worker.js';
import { type Discovery, discoverOne, discoverPlugins } from '../loader/discover.js';
import type { IsolationMode, Manifest } from '../manifest/schema.js';
import { createDisposer, type Disposer } from '../util/disposer.js';
import { createEmitter } from '../util/emitter.js';
import { activeDependents, stopOrder } from './dependencies.js';
import type { HostEvents } from './events.js';
import { defaultTarget } from './fallback.js';
import type { CallOptions } from './handles.js';
import { type HostSnapshot, snapshot } from './inspect.js';
import { type LoadFailure, type LoadReport, loadBatch, refusal } from './load-batch.js';
import { createLookup, whyNotNamed } from './lookup.js';
import { type HostOptions, resolveTimeouts, silentLogger } from './options.js';
import {
  checkPluginPolicy,
  checkReloadOptions,
  decideMode,
  type IsolationPolicy,
  type PluginPolicy,
  resolveIsolation,
} from './policy.js';
import { createRecord, type PluginInfo, type PluginRecord, toInfo } from './records.js';
import { createRegistry } from './registry.js';
import { createReloader, type PendingReload, type ReloadOptions } from './reload.js';
import { createRunner, refOf } from './runner.js';
import { type Watcher, type WatchOptions, watchPlugins } from './watch.js';

export interface UnloadOptions {
  /** Unload the plugins that depend on this one too, dependents first. */
  readonly cascade?: boolean;
}

/** What `close()` did: the plugins it stopped cleanly, and those whose teardown failed. */
export interface CloseReport {
  readonly stopped: readonly string[];
  readonly failed: readonly LoadFailure[];
}

/** What the host decides for the plugins of one load call: minimum isolation, grants, call deadline. */
export type LoadOptions = PluginPolicy;

/** A handle's type: synchronous methods stay synchronous only on a host that never isolates. */
export type Handle<C extends AnyContract, Async extends boolean> = Async extends true ? AsyncApi<C> : Api<C>;

export interface Host<Contracts extends readonly AnyContract[] = readonly AnyContract[], Async extends boolean = false>
  extends AsyncDisposable {
  readonly version: string;
  /** Loads the plugin in `path`, wherever it is. Rejects with its PluginError if it does not start. */
  load(path: string, options?: LoadOptions): Promise<PluginInfo>;
  /** Loads every plugin folder inside the directories, in dependency order. Never rejects for a bad plugin. */
  loadDirectory(directory: string | readonly string[], options?: LoadOptions): Promise<LoadReport>;
  list(): PluginInfo[];
  /**
   * The named plugin's implementation of `contract`, or without a name the first provider's (or
   * the default). With `options`, a handle whose calls take that deadline or AbortSignal.
   */
  get<C extends Contracts[number]>(contract: C, name?: string, options?: CallOptions): Handle<C, Async>;
  /** Every active provider of `contract`, or just the default when there is none. */
  all<C extends Contracts[number]>(contract: C): Handle<C, Async>[];
  /** Registers a default implementation, used while no active plugin provides the contract. */
  provide<C extends Contracts[number]>(contract: C, implementation: Implementation<C>): Disposer;
  unload(name: string, options?: UnloadOptions): Promise<void>;
  /**
   * Loads the named plugin's folder again beside the running version and switches to it once it
   * has started; on any failure before the switch the running version keeps serving. Dispose of
   * the returned reload to abandon it before the switch.
   */
  reload(name: string, options?: ReloadOptions): PendingReload;
  /**
   * Watches plugin folders (or folders of them): loads what appears, reloads what changes,
   * unloads what is removed. Loads what is there first, unless `initial: false`.
   */
  watch(paths: string | readonly string[], options?: WatchOptions): Watcher;
  /** Stops every plugin, dependents first, each within its teardown timeout; never hangs. */
  close(): Promise<CloseReport>;
  inspect(): HostSnapshot;
  on<Name extends keyof HostEvents>(name: Name, listener: (event: HostEvents[Name]) => void): Disposer;
}

/** How many inline evaluations Node keeps for good before the host warns (see `reload.retainedModulesWarning`). */
export const RETAINED_MODULES_WARNING = 50;
/** The version of this copy of plugboard. */
export const PLUGBOARD_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * Creates a plugin host: it owns its registry, and composes discovery, loading and lifecycle.
 * Without `isolation` every plugin runs inline and calls keep their contract's types; with it,
 * plugins may run in workers or child processes and every method returns a Promise.
 */
export function createHost<const Contracts extends readonly AnyContract[]>(
  options: HostOptions<Contracts> & { readonly isolation?: undefined },
): Host<Contracts, false>;
export function createHost<const Contracts extends readonly AnyContract[]>(
  options: HostOptions<Contracts> & { readonly isolation: IsolationMode | IsolationPolicy },
): Host<Contracts, true>;
export function createHost<const Contracts extends readonly AnyContract[]>(
  options: HostOptions<Contracts>,
): Host<Contracts, boolean>;
export function createHost<const Contracts extends readonly AnyContract[]>(
  options: HostOptions<Contracts>,
): Host<Contracts, boolean> {
  const contracts = indexContracts(options.contracts);
  const hostContracts = new Set(contracts.keys());
  const version = options.version ?? PLUGBOARD_VERSION;
  const logger = options.logger ?? silentLogger;
  const timeouts = resolveTimeouts(options.timeouts);
  const isolation = resolveIsolation(options.isolation);
  for (const [name, policy] of Object.entries(options.plugins ?? {})) checkPluginPolicy(policy, `plugins.${name}`);
  checkReloadOptions(options.reload, 'reload');
  const registry = createRegistry();
  const lookup = createLookup(registry, {
    validate: options.validate ?? true,
    callTimeoutMs: timeouts.callMs,
    async: isolation.isolating,
  });
  const events = createEmitter<HostEvents>((error, name) =>
    logger.error(`a "${String(name)}" listener threw`, { error }),
  );
  let retainedModules = 0;
  const retainedWarning = options.reload?.retainedModulesWarning ?? RETAINED_MODULES_WARNING;
  const isolations = new Map<IsolationMode, Isolation>([
    [
      'inline',
      createInlineIsolation({
        onRetained(request) {
          if (++retainedModules !== retainedWarning) return;
          logger.warn(`${retainedModules} inline plugin evaluations are held by Node for good`, {
            plugin: request.name,
            hint: 'plugins that cannot be bundled as CommonJS (top-level await, native addons) leak on each reload; run them in a worker',
          });
        },
      }),
    ],
  ]);
  const views = isolation.isolating ? createViews() : undefined;
  if (views !== undefined) {
    isolations.set('worker', createWorkerIsolation(views, { session: isolation.session }));
    isolations.set(
      'process',
      createProcessIsolation(views, {
        pool: isolation.pool,
        limits: isolation.limits,
        session: isolation.session,
        onPool: (state) => events.emit('pool', state),
      }),
    );
  }
  const inFlight = new Set<Promise<unknown>>();
  const loads = new Set<Promise<unknown>>();
  const watchers = new Set<Watcher>();
  const loading = new Map<string, Promise<PluginInfo>>();
  let closing: Promise<CloseReport> | undefined;

  const assertOpen = () => {
    if (closing !== undefined) throw new PluginError('HOST_CLOSED', 'the host is closed');
  };
  const known = <C extends AnyContract>(contract: C): C => {
    if (contracts.get(contract?.id) !== contract) {
      throw new PluginError('CONTRACT_UNKNOWN', `the host was not created with contract \`${contract?.id}\``, {
        contract: contract?.id,
      });
    }
    return contract;
  };
  const resolveApi = <C extends AnyContract>(
    contract: C,
    name: string | undefined,
    except?: string,
    callOptions?: CallOptions,
  ): Api<C> => {
    assertOpen();
    known(contract);
    return name === undefined ? lookup.first(contract, except, callOptions) : lookup.named(contract, name, callOptions);
  };

  const runner = createRunner({
    registry,
    events,
    logger,
    contracts,
    isolations,
    config: options.config ?? {},
    timeouts,
    get: resolveApi,
    isolation,
    mayRestart: (record) => closing === undefined && registry.slot(record.name)?.current === record,
  });
  const decide = (manifest: Manifest, load: LoadOptions | undefined) => {
    const named = options.plugins?.[manifest.name];
    const policy: PluginPolicy = {
      ...named,
      ...load,
      isolation: decideMode(manifest, named?.isolation, load?.isolation),
      grants: { ...named?.grants, ...load?.grants },
    };
    return { policy, mode: decideMode(manifest, isolation.minimum, policy.isolation) };
  };
  const batchDeps = {
    registry,
    runner,
    profile: {
      version,
      contracts: new Map([...contracts.values()].map((contract) => [contract.id, contract.version])),
    },
    hostContracts,
    hasIsolation: (mode: IsolationMode) => isolations.has(mode),
    decide: (manifest: Manifest) => decide(manifest, undefined),
  };
  const track = <T>(work: Promise<T>, kind?: Set<Promise<unknown>>): Promise<T> => {
    inFlight.add(work);
    kind?.add(work);
    return work.finally(() => {
      inFlight.delete(work);
      kind?.delete(work);
    });
  };
  const live = () => [...registry.slots()].map((slot) => slot.current).filter((record) => record.state === 'active');

  const dependentsOf = (record: PluginRecord) => activeDependents(record, live(), registry, hostContracts);

  const unload = async (name: string, unloadOptions: UnloadOptions = {}): Promise<void> => {
    assertOpen();
    const slot = registry.slot(name);
    if (slot === undefined) throw whyNotNamed(registry, '', name);
    await Promise.allSettled([...inFlight]);
    const record = slot.current;
    const dependents = dependentsOf(record);
    if (dependents.length > 0 && unloadOptions.cascade !== true) {
      throw new PluginError(
        'PLUGIN_HAS_DEPENDENTS',
        `is required by ${dependents.map((d) => d.name).join(', ')}; unload them first or pass { cascade: true }`,
        {
          plugin: record.name,
          version: record.version,
          related: dependents.map((d) => d.name),
        },
      );
    }
    for (const dependent of dependents) await unload(dependent.name, { cascade: true });
    await runner.stop(record, timeouts.teardownMs);
    if (registry.slot(name)?.current === record) {
      registry.remove(name);
      events.emit('unloaded', { plugin: refOf(record) });
    }
  };

  async function loadsSettled(): Promise<void> {
    await Promise.allSettled([...loads, ...runner.restarting()]);
  }

  const reloader = createReloader({
    registry,
    runner,
    events,
    logger,
    timeouts,
    defaults: options.reload ?? {},
    hostContracts,
    discover: discoverOne,
    refuse: (record) => refusal(record, batchDeps),
    createRecord: (discovery, previous) => {
      const { policy, mode } = decide(discovery.manifest, previous.policy);
      return createRecord(discovery.folder, discovery.realFolder, discovery.manifest, mode, policy);
    },
    loadAfresh: (discovery, previous) => loadFound(discovery, previous.policy),
    dependentsOf,
    settled: loadsSettled,
  });

  const close = async (): Promise<CloseReport> => {
    const deadline = performance.now() + timeouts.closeMs;
    await Promise.all([...watchers].map((watcher) => watcher.close()));
    // Loads and restarts under way finish first, so that what they start is stopped too.
    const settling = [...inFlight, ...runner.restarting()];
    await Promise.race([Promise.allSettled(settling), timer(timeouts.closeMs)]);
    const stopped: string[] = [];
    const failed: LoadFailure[] = [];
    for (const wave of stopOrder(live(), hostContracts)) {
      await Promise.all(
        wave.map(async (record) => {
          await runner.stop(record, Math.max(1, Math.min(timeouts.teardownMs, deadline - performance.now())));
          if (record.state === 'stopped') stopped.push(record.name);
          else failed.push({ ...refOf(record), error: record.error as PluginError });
        }),
      );
    }
    await Promise.all([...isolations.values()].map((each) => each.close?.()));
    views?.close();
    return { stopped, failed };
  };

  const host: Host<Contracts, boolean> = {
    version,
    load(path, loadOptions) {
      assertOpen();
      checkPluginPolicy(loadOptions, 'load options');
      const folder = resolve(path);
      let pending = loading.get(folder);
      if (pending === undefined) {
        pending = track(loadOne(folder, loadOptions), loads).finally(() => loading.delete(folder));
        loading.set(folder, pending);
      }
      return pending;
    },
    async loadDirectory(directory, loadOptions) {
      assertOpen();
      checkPluginPolicy(loadOptions, 'load options');
      const directories = typeof directory === 'string' ? [directory] : directory;
      return track(
        (async () => {
          const found = await Promise.all(
            directories.map((dir) => discoverPlugins(resolve(dir)).catch(unreadable(dir))),
          );
          return loadBatch(found.flat(), withLoadOptions(loadOptions));
        })(),
        loads,
      );
    },
    list: () => [...registry.slots()].map((slot) => toInfo(slot.current)),
    get: (contract, name, callOptions) => resolveApi(contract, name, undefined, callOptions),
    all(contract) {
      assertOpen();
      return lookup.all(known(contract));
    },
    provide(contract, implementation) {
      assertOpen();
      known(contract);
      const target = defaultTarget(contract, implementation);
      registry.setFallback(contract.id, target);
      return createDisposer(() => {
        if (registry.fallback(contract.id) === target) registry.setFallback(contract.id, undefined);
      });
    },
    unload,
    reload(name, reloadOptions) {
      assertOpen();
      checkReloadOptions(reloadOptions, 'reload options');
      const pending = reloader.reload(name, reloadOptions);
      void track(pending).catch(() => {});
      return pending;
    },
    watch(paths, watchOptions = {}) {
      assertOpen();
      checkReloadOptions(watchOptions, 'watch options');
      checkPluginPolicy(watchOptions.load, 'watch options.load');
      const watcher: Watcher = watchPlugins(typeof paths === 'string' ? [paths] : paths, watchOptions, {
        logger,
        loadDirectory: (directories, load) => host.loadDirectory(directories, load),
        load: (folder, load) => host.load(folder, load),
        reload: (name, reloadOptions) => host.reload(name, reloadOptions),
        unload: (name) => unload(name, { cascade: true }),
        recordAt: (folder) => [...registry.slots()].find((slot) => slot.current.folder === folder)?.current,
        settled: loadsSettled,
        onClose() {
          watchers.delete(watcher);
          for (const each of isolations.values()) each.keepSpare?.(false);
        },
      });
      watchers.add(watcher);
      // Reloads are expected now: inline mode starts its bundler, worker mode keeps a booted worker.
      for (const each of isolations.values()) each.keepSpare?.(true);
      return watcher;
    },
    close() {
      closing ??= close();
      return closing;
    },
    inspect: () =>
      snapshot(registry, contracts.values(), {
        version,
        closed: closing !== undefined,
        pool: isolations.get('process')?.pool?.() ?? { size: 0, warm: 0 },
        retainedModules,
      }),
    on: (name, listener) => events.on(name, listener),
    async [Symbol.asyncDispose]() {
      await host.close();
    },
  };

  function withLoadOptions(load: LoadOptions | undefined) {
    return load === undefined ? batchDeps : { ...batchDeps, decide: (manifest: Manifest) => decide(manifest, load) };
  }

  async function loadOne(folder: string, load: LoadOptions | undefined): Promise<PluginInfo> {
    return loadFound(await discoverOne(folder), load);
  }

  async function loadFound(discovery: Discovery, load: LoadOptions | undefined): Promise<PluginInfo> {
    const report = await loadBatch([discovery], withLoadOptions(load));
    const failure = report.failed[0];
    if (failure !== undefined) throw failure.error;
    return report.loaded[0] as PluginInfo;
  }

  return host;
}

function indexContracts(list: readonly AnyContract[]): Map<string, AnyContract> {
  const contracts = new Map<string, AnyContract>();
  for (const contract of list) {
    if (contracts.has(contract.id)) {
      throw new PluginError('CONTRACT_DEFINITION_INVALID', `two contracts have the id \`${contract.id}\``, {
        contract: contract.id,
      });
    }
    contracts.set(contract.id, contract);
  }
  return contracts;
}

function unreadable(directory: string) {
  return (error: PluginError): Discovery[] => [{ ok: false, folder: resolve(directory), error }];
}

function timer(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms).unref());
}
