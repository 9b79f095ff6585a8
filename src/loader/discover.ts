import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPluginError, PluginError } from '../errors.js';
import { readManifest } from '../manifest/read.js';
import type { Manifest } from '../manifest/schema.js';
import { isInside } from './paths.js';

export type Discovery =
  | { readonly ok: true; readonly folder: string; readonly realFolder: string; readonly manifest: Manifest }
  | { readonly ok: false; readonly folder: string; readonly error: PluginError };

/**
 * Finds the plugin folders directly inside `directory` and reads their manifests, running no
 * plugin code. Hidden entries and plain files are skipped. A symlinked folder is followed only
 * when its real path stays inside `directory`; one that leads elsewhere is rejected, so that
 * a plugins folder can only ever load what lies inside it.
 */
export async function discoverPlugins(directory: string): Promise<Discovery[]> {
  let realDirectory: string;
  let names: string[];
  try {
    realDirectory = await realpath(directory);
    const entries = await readdir(realDirectory, { withFileTypes: true });
    names = entries
      .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new PluginError('DIRECTORY_UNREADABLE', `cannot read the plugins directory ${directory}`, {
      path: directory,
      cause: error,
    });
  }
  // Folders keep the path the caller gave; containment is judged on real paths.
  const found = await Promise.all(names.map((name) => discoverOne(join(directory, name), realDirectory)));
  return found.filter((discovery): discovery is Discovery => discovery !== undefined);
}

/** Reads the manifest of the plugin at `folder`; `within`, when given, must contain its real path. */
export async function discoverOne(folder: string, within?: string): Promise<Discovery | undefined> {
  try {
    const realFolder = await realpath(folder);
    if (within !== undefined && !isInside(within, realFolder)) {
      throw new PluginError('PLUGIN_OUTSIDE_DIRECTORY', `${folder} is a symlink to ${realFolder}, outside ${within}`, {
        path: folder,
      });
    }
    if (!(await stat(realFolder)).isDirectory()) {
      if (within !== undefined) return undefined; // a symlink to a file: not a plugin
      throw new PluginError('MANIFEST_NOT_FOUND', `${folder} is not a folder`, { path: folder });
    }
    return { ok: true, folder, realFolder, manifest: await readManifest(realFolder) };
  } catch (error) {
    if (isPluginError(error)) return { ok: false, folder, error };
    return {
      ok: false,
      folder,
      error: new PluginError('MANIFEST_NOT_FOUND', `cannot read the plugin at ${folder}`, {
        path: folder,
        cause: error,
      }),
    };
  }
}
