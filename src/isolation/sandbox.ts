// What a process-mode plugin may touch: Node's permission model, applied to its child with
// one flag per path (Node 20.20.2 reads `--allow-fs-read=a,b` as a single path), plus the
// checks Node 20 does not make itself.

import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PluginError } from '../errors.js';
import type { Manifest } from '../manifest/schema.js';
import { isInside } from '../util/paths.js';
import type { Grants } from './types.js';

type Permission = keyof Grants;
const PERMISSIONS: readonly Permission[] = ['fsRead', 'fsWrite', 'childProcess', 'worker', 'addons'];

/** The permissions the manifest asks for; throws PERMISSION_NOT_GRANTED for any the host withholds. */
export function checkGrants(manifest: Manifest, grants: Grants, folder: string): readonly Permission[] {
  const asked = PERMISSIONS.filter((permission) => {
    const value = manifest.permissions?.[permission];
    return Array.isArray(value) ? value.length > 0 : value === true;
  });
  const refused = asked.filter((permission) => grants[permission] !== true);
  if (refused.length > 0) {
    throw new PluginError(
      'PERMISSION_NOT_GRANTED',
      `asks for ${refused.map((p) => `\`${p}\``).join(', ')}, which the host does not grant it`,
      { plugin: manifest.name, version: manifest.version, path: folder },
    );
  }
  return asked;
}

/**
 * The child's permission flags: reads of `reads`, and what the manifest asked and the host
 * granted. A path inside the plugin's folder is allowed both where it really is and where the
 * plugin sees it (`seenFolder`: its view, see view.ts), since the plugin names it through its own
 * `import.meta.url`.
 */
export function permissionFlags(
  manifest: Manifest,
  granted: readonly Permission[],
  folder: string,
  reads: readonly string[],
  seenFolder?: string,
): string[] {
  // The host granted what it granted: Node's warnings about it would only be noise on its stderr.
  const flags = [
    '--experimental-permission',
    '--disable-warning=ExperimentalWarning',
    '--disable-warning=SecurityWarning',
  ];
  // Node 20 takes a path that does not exist yet for a file; `path/*` opens the path and all
  // beneath it, made or not. (Passing `path` as well makes Node 20.20.2 fail an assertion.)
  const paths = (list: readonly string[] | undefined) =>
    (list ?? []).flatMap((path) => {
      const real = resolve(folder, path);
      const seen =
        seenFolder === undefined || !isInside(folder, real) ? [] : [join(seenFolder, relative(folder, real))];
      return [real, ...seen].map((each) => join(each, '*'));
    });
  for (const path of reads) flags.push(`--allow-fs-read=${path}`);
  if (granted.includes('fsRead'))
    for (const path of paths(manifest.permissions?.fsRead)) flags.push(`--allow-fs-read=${path}`);
  if (granted.includes('fsWrite'))
    for (const path of paths(manifest.permissions?.fsWrite)) flags.push(`--allow-fs-write=${path}`);
  if (granted.includes('childProcess')) flags.push('--allow-child-process');
  if (granted.includes('worker')) flags.push('--allow-worker');
  if (granted.includes('addons')) flags.push('--allow-addons');
  return flags;
}

/**
 * Node's permission model follows symlinks: one inside the plugin's folder that points out of it
 * would open whatever it points to. Such a folder is refused before the plugin starts.
 */
export function assertNoSymlinkOut(manifest: Manifest, folder: string): void {
  const outside = symlinksOut(folder, folder, 0);
  if (outside.length === 0) return;
  const [first] = outside as [{ link: string; target: string }];
  throw new PluginError(
    'SYMLINK_OUTSIDE_PLUGIN',
    `has a symlink out of its folder: ${first.link} → ${first.target}${outside.length > 1 ? ` (and ${outside.length - 1} more)` : ''}`,
    { plugin: manifest.name, version: manifest.version, path: first.link },
  );
}

const MAX_DEPTH = 32;

function symlinksOut(root: string, dir: string, depth: number): { link: string; target: string }[] {
  if (depth > MAX_DEPTH) return [];
  const found: { link: string; target: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(path);
      } catch {
        continue; // dangling: it opens nothing
      }
      if (!isInside(root, target)) found.push({ link: path, target });
    } else if (entry.isDirectory() && !lstatSync(path).isSymbolicLink()) {
      found.push(...symlinksOut(root, path, depth + 1));
    }
  }
  return found;
}
