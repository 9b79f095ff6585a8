import { isPluginError, PluginError } from '../errors.js';
import type { Manifest } from '../manifest/schema.js';
import { type Discovery, discoverPlugins } from './discover.js';
import { resolveEntry } from './entry.js';

/** One plugin folder as a scan found it: its manifest, or why it cannot be loaded. */
export type ScanResult =
  | { readonly ok: true; readonly path: string; readonly manifest: Manifest; readonly entry: string }
  | { readonly ok: false; readonly path: string; readonly error: PluginError };

/**
 * Lists and checks the plugins in a directory without running any of their code: manifests,
 * entry files (present, inside the folder, matching their integrity hash) and duplicate names.
 * Compatibility with a particular host is checked when a host loads them.
 */
export async function scanPlugins(directory: string): Promise<ScanResult[]> {
  const found = await discoverPlugins(directory);
  const seen = new Map<string, string>();
  return found.map((discovery) => checkOne(discovery, seen));
}

function checkOne(discovery: Discovery, seen: Map<string, string>): ScanResult {
  if (!discovery.ok) return { ok: false, path: discovery.folder, error: discovery.error };
  const { manifest, folder } = discovery;
  const holder = seen.get(manifest.name);
  if (holder !== undefined) {
    const error = new PluginError('DUPLICATE_NAME', `another plugin named \`${manifest.name}\` is in ${holder}`, {
      plugin: manifest.name,
      version: manifest.version,
      path: folder,
      related: [holder],
    });
    return { ok: false, path: folder, error };
  }
  seen.set(manifest.name, folder);
  try {
    return { ok: true, path: folder, manifest, entry: resolveEntry(discovery.realFolder, manifest) };
  } catch (error) {
    if (isPluginError(error)) return { ok: false, path: folder, error };
    throw error;
  }
}
