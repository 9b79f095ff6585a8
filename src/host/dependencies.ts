import semver from 'semver';
import { PluginError } from '../errors.js';
import type { Manifest } from '../manifest/schema.js';
import { planStartOrder } from '../util/graph.js';
import type { PluginRecord } from './records.js';
import type { Registry } from './registry.js';

/** One entry of a manifest's `requires`: a contract (any provider will do) or a named plugin. */
export interface Requirement {
  readonly key: string;
  readonly kind: 'contract' | 'plugin';
  readonly range: string;
}

/** A key of `requires` names a contract when the host declares a contract with that id. */
export function requirementsOf(manifest: Manifest, hostContracts: ReadonlySet<string>): Requirement[] {
  return Object.entries(manifest.requires ?? {}).map(([key, range]) => ({
    key,
    kind: hostContracts.has(key) ? 'contract' : 'plugin',
    range,
  }));
}

/** What the host already has, outside the batch being planned. */
export interface Available {
  /** The version of the active plugin with this name, if any. */
  activeVersion(name: string): string | undefined;
  /** Whether an active plugin or a default implementation serves this contract. */
  hasProvider(contractId: string): boolean;
}

export interface BatchPlan {
  readonly waves: readonly (readonly string[])[];
  /** Plugins that cannot start, each with its reason. */
  readonly problems: ReadonlyMap<string, PluginError>;
}

/**
 * Orders a batch so that every plugin starts after what it requires, and finds the
 * requirements that nothing can meet: missing, of the wrong version, or in a cycle.
 */
export function planBatch(
  batch: readonly PluginRecord[],
  available: Available,
  hostContracts: ReadonlySet<string>,
): BatchPlan {
  const byName = new Map(batch.map((record) => [record.name, record]));
  const graph = new Map<string, string[]>();
  const problems = new Map<string, PluginError>();
  const problem = (record: PluginRecord, error: PluginError) => {
    if (!problems.has(record.name)) problems.set(record.name, error);
  };

  for (const record of batch) {
    const deps: string[] = [];
    for (const requirement of requirementsOf(record.manifest, hostContracts)) {
      const { key, range } = requirement;
      if (requirement.kind === 'contract') {
        const providers = batch.filter((other) => other !== record && key in other.manifest.provides);
        deps.push(...providers.map((other) => other.name));
        if (providers.length === 0 && !available.hasProvider(key)) {
          problem(
            record,
            dependencyError('DEPENDENCY_MISSING', record, `requires contract \`${key}\`, which no plugin provides`, [
              key,
            ]),
          );
        }
        continue;
      }
      const version = byName.get(key)?.version ?? available.activeVersion(key);
      if (version === undefined) {
        problem(
          record,
          dependencyError('DEPENDENCY_MISSING', record, `requires plugin \`${key}\`, which is not loaded`, [key]),
        );
      } else if (!semver.satisfies(version, range)) {
        problem(
          record,
          dependencyError('DEPENDENCY_INCOMPATIBLE', record, `requires \`${key}\` ${range}, found ${key}@${version}`, [
            key,
          ]),
        );
      }
      if (byName.has(key)) deps.push(key);
    }
    graph.set(record.name, deps);
  }

  const plan = planStartOrder(graph);
  for (const cycle of plan.cycles) {
    for (const name of cycle) {
      const record = byName.get(name) as PluginRecord;
      problem(
        record,
        dependencyError(
          'DEPENDENCY_CYCLE',
          record,
          `is in a dependency cycle: ${cycle.join(' → ')} → ${cycle[0]}`,
          cycle,
        ),
      );
    }
  }
  for (const [name, blocker] of plan.blocked) {
    const record = byName.get(name) as PluginRecord;
    problem(
      record,
      dependencyError('DEPENDENCY_FAILED', record, `depends on \`${blocker}\`, which cannot start`, [blocker]),
    );
  }
  return { waves: plan.waves, problems };
}

/** The names this record needs active before it can start (or keep running). */
function dependenciesOf(
  record: PluginRecord,
  active: readonly PluginRecord[],
  hostContracts: ReadonlySet<string>,
): string[] {
  return requirementsOf(record.manifest, hostContracts).flatMap((requirement) =>
    requirement.kind === 'plugin'
      ? [requirement.key]
      : active
          .filter((other) => other !== record && requirement.key in other.manifest.provides)
          .map((other) => other.name),
  );
}

/** Active records in the order to stop them: dependents before what they depend on. */
export function stopOrder(active: readonly PluginRecord[], hostContracts: ReadonlySet<string>): PluginRecord[][] {
  const names = new Set(active.map((record) => record.name));
  const graph = new Map(
    active.map((record) => [
      record.name,
      dependenciesOf(record, active, hostContracts).filter((name) => names.has(name)),
    ]),
  );
  const plan = planStartOrder(graph);
  const byName = new Map(active.map((record) => [record.name, record]));
  const late = [...plan.cycles.flat(), ...plan.blocked.keys()];
  const waves = [...plan.waves, ...(late.length > 0 ? [late] : [])];
  return waves.reverse().map((wave) => wave.map((name) => byName.get(name) as PluginRecord));
}

export function dependencyError(
  code: 'DEPENDENCY_MISSING' | 'DEPENDENCY_INCOMPATIBLE' | 'DEPENDENCY_CYCLE' | 'DEPENDENCY_FAILED',
  record: PluginRecord,
  message: string,
  related: readonly string[],
): PluginError {
  return new PluginError(code, message, { plugin: record.name, version: record.version, path: record.folder, related });
}

/** The active plugins that need `record`: by name, or for a contract nothing else would serve. */
export function activeDependents(
  record: PluginRecord,
  active: readonly PluginRecord[],
  registry: Registry,
  hostContracts: ReadonlySet<string>,
): PluginRecord[] {
  const isLastProvider = (contractId: string) =>
    contractId in record.manifest.provides &&
    registry.fallback(contractId) === undefined &&
    registry.providers(contractId).every((target) => target.plugin === record.name);
  return active.filter(
    (other) =>
      other !== record &&
      requirementsOf(other.manifest, hostContracts).some((requirement) =>
        requirement.kind === 'plugin' ? requirement.key === record.name : isLastProvider(requirement.key),
      ),
  );
}
