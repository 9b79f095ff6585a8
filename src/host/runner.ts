import type { AnyContract, Api } from '../contract/define-contract.js';
import type { Logger } from '../contract/define-plugin.js';
import { isPluginError, PluginError } from '../errors.js';
import type { Isolation } from '../isolation/types.js';
import { type LifecycleEvent, transition } from '../lifecycle/machine.js';
import { loadPlugin } from '../loader/load-plugin.js';
import type { IsolationMode } from '../manifest/schema.js';
import type { Emitter } from '../util/emitter.js';
import { createContextSource } from './context.js';
import type { HostEvents, PluginRef } from './events.js';
import type { Timeouts } from './options.js';
import { nextRestartDelay, type ResolvedIsolation } from './policy.js';
import type { CallTarget, PluginRecord } from './records.js';
import type { Registry } from './registry.js';

export interface RunnerDeps {
  readonly registry: Registry;
  readonly events: Emitter<HostEvents>;
  readonly logger: Logger;
  readonly contracts: ReadonlyMap<string, AnyContract>;
  readonly isolations: ReadonlyMap<IsolationMode, Isolation>;
  readonly config: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly timeouts: Timeouts;
  readonly get: <C extends AnyContract>(contract: C, name: string | undefined, except: string) => Api<C>;
  readonly isolation: ResolvedIsolation;
  /** Whether the record may be restarted now: it is still its name's current one and the host is open. */
  readonly mayRestart: (record: PluginRecord) => boolean;
}

/** Moves plugin records through their lifecycle: starts them, stops them, records failures. */
export interface Runner {
  move(record: PluginRecord, event: LifecycleEvent, error?: PluginError): void;
  start(record: PluginRecord): Promise<void>;
  stop(record: PluginRecord, budgetMs: number): Promise<void>;
  /** Announces a new record, in state `discovered`. */
  discovered(record: PluginRecord): void;
  /** Reports a plugin that was rejected before it had a record (bad manifest, duplicate name). */
  reject(plugin: PluginRef, error: PluginError): void;
  /** Restarts under way, so that closing can wait for them and then stop what they started. */
  restarting(): Promise<void>[];
}

const PERMISSIONS_NONE = {};

export function createRunner(deps: RunnerDeps): Runner {
  const { registry, events, logger } = deps;

  const restarts = new Set<Promise<void>>();
  const emit = (
    plugin: PluginRef,
    from: PluginRecord['state'] | undefined,
    to: PluginRecord['state'],
    error?: PluginError,
    reload = false,
  ) => {
    const event = { plugin, from, to, error, reload };
    events.emit('transition', event);
    events.emit(to, event);
  };

  const move: Runner['move'] = (record, event, error) => {
    const from = record.state;
    const to = transition(from, event);
    if (to === undefined) {
      throw new PluginError('INTERNAL_ERROR', `lifecycle cannot \`${event}\` from \`${from}\``, {
        plugin: record.name,
        version: record.version,
      });
    }
    record.state = to;
    record.error = to === 'failed' ? error : undefined;
    registry.touch();
    if (to === 'failed') logger.warn(`plugin ${record.name} failed`, { code: error?.code, error: error?.message });
    else logger.debug(`plugin ${record.name} ${to}`, { version: record.version });
    emit(refOf(record), from, to, error, record.inReload);
  };

  return {
    move,
    discovered(record) {
      emit(refOf(record), undefined, 'discovered', undefined, record.inReload);
    },
    reject(plugin, error) {
      logger.warn(`plugin ${plugin.name} rejected`, { code: error.code, error: error.message, path: plugin.path });
      emit(plugin, undefined, 'failed', error);
    },
    start,
    restarting: () => [...restarts],
    async stop(record, budgetMs) {
      if (record.state !== 'active') return;
      move(record, 'stop');
      record.attempt = {};
      const instance = record.loaded?.instance;
      keepTraffic(record);
      record.targets = new Map();
      record.loaded = undefined;
      try {
        await instance?.stop(budgetMs);
        move(record, 'stopped');
      } catch (error) {
        move(record, 'fail', asPluginError(error, record));
      }
    },
  };

  async function start(record: PluginRecord): Promise<void> {
    move(record, 'start');
    const started = performance.now();
    const isolation = deps.isolations.get(record.isolation) as Isolation;
    const attempt = {};
    record.attempt = attempt;
    try {
      const loaded = await loadPlugin({
        isolation,
        realFolder: record.realFolder,
        manifest: record.manifest,
        contracts: deps.contracts,
        context: createContextSource(record, deps),
        importTimeoutMs: deps.timeouts.importMs,
        setupTimeoutMs: deps.timeouts.setupMs,
        teardownTimeoutMs: deps.timeouts.teardownMs,
        grants: record.policy.grants ?? PERMISSIONS_NONE,
        limits: deps.isolation.limits,
        onEnd: (error) => {
          if (record.attempt === attempt && record.state === 'active') ended(record, error);
        },
        onStuck: (report) => {
          record.stuck.push(report);
          logger.error(`plugin ${record.name}'s worker does not end: its thread is held in ${report.syscall}`, {
            detail: report.detail,
            unblocked: report.unblocked,
          });
          events.emit('stuck', { plugin: refOf(record), report });
        },
      });
      record.loaded = loaded;
      record.targets = new Map(
        [...loaded.provided].map(([id, provided]): [string, CallTarget] => [
          id,
          {
            plugin: record.name,
            version: record.version,
            implementation: provided.implementation,
            meta: provided.meta,
            stats: record.stats,
            remote: loaded.instance.remote,
            callTimeoutMs: record.policy.callTimeoutMs,
          },
        ]),
      );
      record.loadMs = performance.now() - started;
      record.startedAt = Date.now();
      move(record, 'started');
    } catch (error) {
      move(record, 'fail', asPluginError(error, record));
    }
  }

  // The plugin's worker or process ended on its own: it fails, and is restarted if the policy allows.
  function ended(record: PluginRecord, error: PluginError): void {
    keepTraffic(record);
    record.targets = new Map();
    record.loaded = undefined;
    move(record, 'fail', error);
    const delay = nextRestartDelay(deps.isolation.restart, record.restarts, Date.now());
    if (delay === undefined) {
      if (deps.isolation.restart.maxRestarts === 0) return;
      const { maxRestarts, windowMs } = deps.isolation.restart;
      record.error = new PluginError(
        'RESTARTS_EXHAUSTED',
        `ended ${maxRestarts + 1} times within ${windowMs} ms and is not restarted again; last: ${error.message}`,
        { plugin: record.name, version: record.version, path: record.folder, cause: error },
      );
      logger.error(`plugin ${record.name} is not restarted again`, { code: error.code });
      return;
    }
    record.restarts.push(Date.now());
    events.emit('restarting', { plugin: refOf(record), attempt: record.restarts.length, delayMs: delay, error });
    logger.warn(`restarting plugin ${record.name} in ${delay} ms`, { code: error.code });
    const attempt = record.attempt;
    setTimeout(() => {
      if (record.attempt !== attempt || record.state !== 'failed' || !deps.mayRestart(record)) return;
      const restart = start(record).finally(() => restarts.delete(restart));
      restarts.add(restart);
    }, delay).unref();
  }
}

// What a worker or process dropped is kept with the plugin once it has gone.
function keepTraffic(record: PluginRecord): void {
  const traffic = record.loaded?.instance.traffic?.();
  if (traffic === undefined) return;
  record.traffic.dropped += traffic.dropped;
  record.traffic.droppedBytes += traffic.droppedBytes;
}

export function refOf(record: PluginRecord): PluginRef {
  return { name: record.name, version: record.version, path: record.folder };
}

function asPluginError(error: unknown, record: PluginRecord): PluginError {
  if (isPluginError(error)) return error;
  return new PluginError('INTERNAL_ERROR', 'failed in an unexpected way (a bug in plugboard)', {
    plugin: record.name,
    version: record.version,
    path: record.folder,
    cause: error,
  });
}
