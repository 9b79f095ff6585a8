// The contracts `plugboard dev` gives its host: the exports of a module, or stand-ins derived from the manifests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { type AnyContract, defineContract } from '../index.js';
import { UsageError } from './usage.js';

export interface DevContracts {
  readonly list: readonly AnyContract[];
  /** The module's absolute path, or `manifests` for stand-ins derived from the plugins found. */
  readonly from: string;
}

// defineContract returns a frozen object with exactly these fields; plugboard has no other marker.
const CONTRACT_FIELDS = 'description,id,meta,methods,version';

function isContract(value: unknown): value is AnyContract {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return false;
  const { id, version, methods } = value as Record<string, unknown>;
  return (
    Object.keys(value).sort().join(',') === CONTRACT_FIELDS &&
    typeof id === 'string' &&
    typeof version === 'string' &&
    typeof methods === 'object' &&
    methods !== null
  );
}

/** Every export of the module that defineContract made, so that implementations are checked for real. */
export async function contractsFrom(module: string): Promise<DevContracts> {
  const path = resolve(module);
  let exports: Record<string, unknown>;
  try {
    exports = await import(pathToFileURL(path).href);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError('CONTRACTS_MODULE_UNREADABLE', `--contracts ${module}: cannot import ${path}: ${why}`);
  }
  const list = [...new Set(Object.values(exports).filter(isContract))];
  if (list.length === 0) {
    const names = Object.keys(exports).join(', ') || 'nothing';
    throw new UsageError(
      'CONTRACTS_MODULE_EMPTY',
      `--contracts ${module}: ${path} exports no contract made by defineContract (it exports ${names})`,
    );
  }
  return { list, from: path };
}

/**
 * Stand-ins for the contracts the plugins under `root` provide: no methods, any metadata, so
 * that every plugin can load. Each version is the lowest that meets the most ranges declared
 * for it. A manifest that cannot be read gives none; its plugin fails to load with its own code.
 */
export function derivedContracts(root: string): DevContracts {
  const ranges = new Map<string, string[]>();
  for (const folder of pluginFolders(root)) {
    for (const [id, range] of Object.entries(providesOf(folder))) {
      if (typeof range === 'string' && semver.validRange(range) !== null)
        ranges.set(id, [...(ranges.get(id) ?? []), range]);
    }
  }
  const list = [...ranges].flatMap(([id, declared]) => {
    try {
      return [defineContract({ id, version: versionFor(declared), methods: {} })];
    } catch {
      return []; // an id defineContract refuses: the plugin fails to load with CONTRACT_UNKNOWN
    }
  });
  return { list, from: 'manifests' };
}

function versionFor(ranges: readonly string[]): string {
  const candidates = ranges.map((range) => semver.minVersion(range)?.version ?? '0.0.0');
  const met = (version: string) => ranges.filter((range) => semver.satisfies(version, range)).length;
  return candidates.reduce((best, candidate) => (met(candidate) > met(best) ? candidate : best));
}

// The same rule as host.watch(): a folder with a manifest is a plugin, any other holds plugins.
function pluginFolders(root: string): string[] {
  if (!isFolder(root)) return [];
  if (manifestOf(root) !== undefined) return [root];
  try {
    return readdirSync(root)
      .filter((name) => !name.startsWith('.') && name !== 'node_modules')
      .map((name) => join(root, name))
      .filter(isFolder);
  } catch {
    return []; // unreadable: the host's watch says why
  }
}

function providesOf(folder: string): Record<string, unknown> {
  const provides = (manifestOf(folder) as { provides?: unknown } | undefined)?.provides;
  return typeof provides === 'object' && provides !== null ? (provides as Record<string, unknown>) : {};
}

function manifestOf(folder: string): unknown {
  const own = readJson(join(folder, 'plugin.json'));
  if (own !== undefined) return own;
  const pkg = readJson(join(folder, 'package.json'));
  return typeof pkg === 'object' && pkg !== null ? (pkg as { plugboard?: unknown }).plugboard : undefined;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
