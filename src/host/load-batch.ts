import { basename } from 'node:path';
import { PluginError } from '../errors.js';
import type { Discovery } from '../loader/discover.js';
import { checkCompatibility, type HostProfile, incompatibleError } from '../manifest/compatibility.js';
import type { IsolationMode, Manifest } from '../manifest/schema.js';
import { dependencyError, planBatch, requirementsOf } from './dependencies.js';
import type { PluginPolicy } from './policy.js';
import type { PluginInfo, PluginRecord } from './records.js';
import { createRecord, toInfo } from './records.js';
import type { Registry } from './registry.js';
import type { Runner } from './runner.js';

/** A plugin that could not be loaded, whether or not its manifest could be read. */
export interface LoadFailure {
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly path: string;
  readonly error: PluginError;
}

/** What `loadDirectory()` did: the plugins now active, and every one that is not, with why. */
export interface LoadReport {
  readonly loaded: readonly PluginInfo[];
  readonly failed: readonly LoadFailure[];
}

export interface BatchDeps {
  readonly registry: Registry;
  readonly runner: Runner;
  readonly profile: HostProfile;
  readonly hostContracts: ReadonlySet<string>;
  readonly hasIsolation: (mode: PluginRecord['isolation']) => boolean;
  /** The host's decision for a plugin about to get a record: its policy and mode. */
  readonly decide: (manifest: Manifest) => { policy: PluginPolicy; mode: IsolationMode };
}

/**
 * Takes discovered plugins through the checks that need no plugin code (manifest, host fit,
 * unique name, dependencies), then starts them in waves, each after what it requires. One
 * plugin's failure only fails the plugins that depend on it.
 */
export async function loadBatch(discoveries: readonly Discovery[], deps: BatchDeps): Promise<LoadReport> {
  const { registry, runner } = deps;
  const failed: LoadFailure[] = [];
  const batch: PluginRecord[] = [];
  const records: PluginRecord[] = [];
  const taken = new Map<string, string>();

  for (const discovery of discoveries) {
    if (!discovery.ok) {
      const { error, folder } = discovery;
      const name = error.plugin ?? basename(folder);
      runner.reject({ name, version: error.version, path: folder }, error);
      failed.push({ name: error.plugin, version: error.version, path: folder, error });
      continue;
    }
    const { manifest, folder } = discovery;
    const holder = taken.get(manifest.name) ?? holderOf(registry, manifest.name);
    if (holder !== undefined) {
      const error = new PluginError(
        'DUPLICATE_NAME',
        `another plugin named \`${manifest.name}\` is already loaded, from ${holder}`,
        {
          plugin: manifest.name,
          version: manifest.version,
          path: folder,
          related: [holder],
        },
      );
      runner.reject({ name: manifest.name, version: manifest.version, path: folder }, error);
      failed.push({ name: manifest.name, version: manifest.version, path: folder, error });
      continue;
    }
    taken.set(manifest.name, folder);
    registry.remove(manifest.name); // a failed or stopped record of the same name gives way
    const { policy, mode } = deps.decide(manifest);
    const record = createRecord(folder, discovery.realFolder, manifest, mode, policy);
    registry.place(record);
    runner.discovered(record);
    records.push(record);
    const issues = checkCompatibility(manifest, deps.profile);
    if (issues.length > 0) runner.move(record, 'fail', incompatibleError(manifest, folder, issues));
    else if (!deps.hasIsolation(record.isolation)) runner.move(record, 'fail', isolationError(record));
    else batch.push(record);
  }

  const plan = planBatch(batch, available(registry), deps.hostContracts);
  for (const record of batch) {
    const problem = plan.problems.get(record.name);
    runner.move(record, problem === undefined ? 'resolve' : 'fail', problem);
  }
  const byName = new Map(batch.map((record) => [record.name, record]));
  for (const wave of plan.waves) {
    const ready = wave.map((name) => byName.get(name) as PluginRecord).filter((record) => record.state === 'resolved');
    await Promise.all(
      ready.map((record) => {
        const unmet = unmetRequirement(record, registry, deps.hostContracts);
        if (unmet === undefined) return runner.start(record);
        runner.move(
          record,
          'fail',
          dependencyError('DEPENDENCY_FAILED', record, `depends on \`${unmet}\`, which failed`, [unmet]),
        );
        return undefined;
      }),
    );
  }

  for (const record of records) {
    if (record.state === 'failed') {
      failed.push({
        name: record.name,
        version: record.version,
        path: record.folder,
        error: record.error as PluginError,
      });
    }
  }
  return { loaded: records.filter((record) => record.state === 'active').map(toInfo), failed };
}

/**
 * Why the host would not start `record` beside what it has now, found without running plugin
 * code: it does not fit the host, its isolation is not offered, or a requirement is not met.
 */
export function refusal(record: PluginRecord, deps: BatchDeps): PluginError | undefined {
  const issues = checkCompatibility(record.manifest, deps.profile);
  if (issues.length > 0) return incompatibleError(record.manifest, record.folder, issues);
  if (!deps.hasIsolation(record.isolation)) return isolationError(record);
  return planBatch([record], available(deps.registry), deps.hostContracts).problems.get(record.name);
}

/** The folder of the live plugin holding `name`, if any; failed and stopped ones give way. */
function holderOf(registry: Registry, name: string): string | undefined {
  const current = registry.slot(name)?.current;
  if (current === undefined || current.state === 'failed' || current.state === 'stopped') return undefined;
  return current.folder;
}

function available(registry: Registry) {
  return {
    activeVersion(name: string) {
      const current = registry.slot(name)?.current;
      return current?.state === 'active' ? current.version : undefined;
    },
    hasProvider: (contractId: string) => hasProvider(registry, contractId),
  };
}

function hasProvider(registry: Registry, contractId: string): boolean {
  return registry.providers(contractId).length > 0 || registry.fallback(contractId) !== undefined;
}

/** The first requirement of `record` that nothing active meets now, if any. */
function unmetRequirement(
  record: PluginRecord,
  registry: Registry,
  hostContracts: ReadonlySet<string>,
): string | undefined {
  for (const requirement of requirementsOf(record.manifest, hostContracts)) {
    const met =
      requirement.kind === 'contract'
        ? hasProvider(registry, requirement.key)
        : registry.slot(requirement.key)?.current.state === 'active';
    if (!met) return requirement.key;
  }
  return undefined;
}

function isolationError(record: PluginRecord): PluginError {
  return new PluginError(
    'ISOLATION_UNAVAILABLE',
    `would run in \`${record.isolation}\` isolation, which this host does not offer; create the host with \`isolation\` to run plugins in a worker or child process`,
    {
      plugin: record.name,
      version: record.version,
      path: record.folder,
    },
  );
}
