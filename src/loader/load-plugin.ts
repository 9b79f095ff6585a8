import type { AnyContract } from '../contract/define-contract.js';
import { formatIssue, type Issue, PluginError } from '../errors.js';
import type {
  ContextSource,
  Grants,
  Isolation,
  PluginInstance,
  ResourceLimits,
  StartRequest,
} from '../isolation/types.js';
import type { Manifest } from '../manifest/schema.js';
import { checkImplementation } from './check-implementation.js';
import { resolveEntry } from './entry.js';

export interface LoadRequest {
  readonly isolation: Isolation;
  readonly realFolder: string;
  readonly manifest: Manifest;
  /** The host's contracts, by id; the manifest's `provides` have already been checked against them. */
  readonly contracts: ReadonlyMap<string, AnyContract>;
  readonly context: ContextSource;
  readonly importTimeoutMs: number;
  readonly setupTimeoutMs: number;
  readonly teardownTimeoutMs: number;
  readonly grants: Grants;
  readonly limits: ResourceLimits;
  readonly onEnd: (error: PluginError) => void;
  readonly onStuck?: StartRequest['onStuck'];
}

/** One contract as a started plugin provides it. */
export interface Provided {
  readonly contract: AnyContract;
  readonly implementation: Readonly<Record<string, unknown>>;
  /** The implementation's static fields, as the contract's meta schema outputs them. */
  readonly meta: Readonly<Record<string, unknown>>;
}

export interface LoadedPlugin {
  readonly instance: PluginInstance;
  readonly provided: ReadonlyMap<string, Provided>;
}

/**
 * Entry checks → isolation start (import, setup) → each implementation checked against its
 * contract. A plugin whose implementations do not match is stopped again before the error is
 * thrown, so nothing it set up is left running.
 */
export async function loadPlugin(request: LoadRequest): Promise<LoadedPlugin> {
  const { manifest } = request;
  const entry = resolveEntry(request.realFolder, manifest);
  const instance = await request.isolation.start({
    name: manifest.name,
    version: manifest.version,
    folder: request.realFolder,
    entry,
    manifest,
    context: request.context,
    contracts: request.contracts,
    importTimeoutMs: request.importTimeoutMs,
    setupTimeoutMs: request.setupTimeoutMs,
    grants: request.grants,
    limits: request.limits,
    onEnd: request.onEnd,
    onStuck: request.onStuck,
  });

  const provided = new Map<string, Provided>();
  const issues: Issue[] = [];
  for (const id of Object.keys(manifest.provides)) {
    const contract = request.contracts.get(id) as AnyContract;
    const implementation = instance.implementations[id];
    const check = await checkImplementation(contract, implementation);
    if (check.ok)
      provided.set(id, { contract, implementation: implementation as Record<string, unknown>, meta: check.meta });
    else issues.push(...check.issues);
  }
  if (issues.length === 0) return { instance, provided };

  try {
    await instance.stop(request.teardownTimeoutMs);
  } catch (error) {
    request.context.logger.warn('teardown after a failed contract check failed too', { error });
  }
  throw new PluginError(
    (issues[0] as Issue).code,
    `does not implement its contracts: ${issues.map(formatIssue).join('; ')}`,
    {
      plugin: manifest.name,
      version: manifest.version,
      path: request.realFolder,
      issues,
    },
  );
}
