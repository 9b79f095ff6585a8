import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { isPluginError, PluginError } from '../errors.js';
import { readManifest } from '../manifest/read.js';
import type { Manifest } from '../manifest/schema.js';
import { isInside } from '../util/paths.js';

export type Discovery =
  | { readonly ok: true; readonly folder: string; readonly realFolder: string; readonly manifest: Manifest }
  | { readonly ok: false; readonly folder: string; readonly error: PluginError };

// Discovery reads small files synchronously (see manifest/read.ts) and lets the event loop run
// between batches of this many plugins.
const BATCH = 200;

/**
 * Finds the plugin folders directly inside `directory` and reads their manifests, running no
 * plugin code. Hidden entries and plain files are skipped. A symlinked folder is followed only
 * when its real path stays inside `directory`; one that leads elsewhere is rejected, so that
 * a plugins folder can only ever load what lies inside it.
 */
export async function discoverPlugins(directory: string): Promise<Discovery[]> {
  let realDirectory: string;
  let entries: Dirent[];
  try {
    realDirectory = realpathSync.native(directory);
    entries = readdirSync(realDirectory, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new PluginError('DIRECTORY_UNREADABLE', `cannot read the plugins directory ${directory}`, {
      path: directory,
      cause: error,
    });
  }
  const found: Discovery[] = [];
  for (const [index, entry] of entries.entries()) {
    if (index > 0 && index % BATCH === 0) await setImmediate();
    // Folders keep the path the caller gave; containment is judged on real paths. A plain
    // folder inside the real directory is its own real path, so only symlinks are resolved.
    const folder = join(directory, entry.name);
    const discovery = entry.isDirectory()
      ? readFolder(folder, join(realDirectory, entry.name))
      : discoverSync(folder, realDirectory);
    if (discovery !== undefined) found.push(discovery);
  }
  return found;
}

/** Reads the manifest of the plugin at `folder`, wherever it is. */
export async function discoverOne(folder: string): Promise<Discovery> {
  return discoverSync(folder, undefined) as Discovery;
}

// `within`, when given, must contain the folder's real path; a symlink there to a file is no plugin.
function discoverSync(folder: string, within: string | undefined): Discovery | undefined {
  let realFolder: string;
  try {
    realFolder = realpathSync.native(folder);
    if (!statSync(realFolder).isDirectory()) {
      if (within !== undefined) return undefined;
      throw new PluginError('MANIFEST_NOT_FOUND', `${folder} is not a folder`, { path: folder });
    }
  } catch (error) {
    return failure(folder, error);
  }
  if (within !== undefined && !isInside(within, realFolder)) {
    const error = new PluginError(
      'PLUGIN_OUTSIDE_DIRECTORY',
      `${folder} is a symlink to ${realFolder}, outside ${within}`,
      {
        path: folder,
      },
    );
    return { ok: false, folder, error };
  }
  return readFolder(folder, realFolder);
}

function readFolder(folder: string, realFolder: string): Discovery {
  try {
    return { ok: true, folder, realFolder, manifest: readManifest(realFolder) };
  } catch (error) {
    return failure(folder, error);
  }
}

function failure(folder: string, error: unknown): Discovery {
  if (isPluginError(error)) return { ok: false, folder, error };
  const cause = new PluginError('MANIFEST_NOT_FOUND', `cannot read the plugin at ${folder}`, {
    path: folder,
    cause: error,
  });
  return { ok: false, folder, error: cause };
}
