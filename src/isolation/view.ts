// Where an isolated plugin's `import ... from 'plugboard'` leads when Node cannot find plugboard
// from the plugin's folder. Inline, a resolve hook does it; in a worker or a sandboxed child a
// hook cannot (Node 20 runs hooks on a thread of their own, which the permission model forbids).
// So the host lays out a small directory:
//
//   <root>/node_modules/plugboard/   a package re-exporting plugboard's plugin API
//   <root>/<slot>/package.json       the module type the plugin has where it really lives
//   <root>/<slot>/plugin ->          a symlink to the plugin's folder
//
// and the runtime imports the entry through the symlink with --preserve-symlinks, so Node's own
// resolution walks up from <slot>/plugin to <root>/node_modules. Nothing is written into the
// plugin's folder. A slot can be made before its plugin is known: a warm child is allowed to
// read its slot, and the symlink is placed when a plugin is assigned to it.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** plugboard's compiled files, which every isolated runtime reads. */
export const DIST_DIR = dirname(here);
const PLUGIN_API = join(DIST_DIR, 'plugin-api.js');

/**
 * Resolves `plugboard` to the plugin API in a worker or child (package.json maps the condition),
 * for a plugin that finds plugboard by itself: the host's side would load modules (zod, semver)
 * a plugin never uses, and a sandboxed one may not read.
 */
export const PLUGIN_CONDITION = '--conditions=plugboard-plugin';

export interface Slot {
  /** The directory a child may read: it holds the plugin symlink. */
  readonly dir: string;
  /** The symlink: where the plugin sees its own folder. */
  readonly plugin: string;
  /**
   * Points the slot at a plugin folder; returns the path to import `entry` through. `moduleType`
   * is the `type` of the package.json nearest the folder, which the loader has read.
   */
  assign(realFolder: string, entry: string, moduleType: string | undefined): string;
  /** Removes the slot, once its worker or process has gone. */
  release(): void;
}

export interface Views {
  /** The shared `node_modules` directory holding the plugin API package. */
  readonly modules: string;
  slot(): Slot;
  close(): void;
}

export function createViews(): Views {
  let root: string | undefined;
  let removeOnExit: (() => void) | undefined;
  let count = 0;
  const ensureRoot = (): string => {
    if (root !== undefined) return root;
    const made = mkdtempSync(join(tmpdir(), 'plugboard-'));
    const pkg = join(made, 'node_modules', 'plugboard');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'plugboard', type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), `export * from ${JSON.stringify(pathToFileURL(PLUGIN_API).href)};\n`);
    removeOnExit = () => rmSync(made, { recursive: true, force: true });
    process.once('exit', removeOnExit);
    root = made;
    return made;
  };
  return {
    get modules() {
      return join(ensureRoot(), 'node_modules');
    },
    slot() {
      const dir = join(ensureRoot(), `s${count++}`);
      mkdirSync(dir);
      const link = join(dir, 'plugin');
      return {
        dir,
        plugin: link,
        assign(realFolder, entry, type) {
          // Without a type where the plugin lives, Node detects the module syntax; a typeless
          // package.json here would make it warn about it instead.
          if (type === undefined) rmSync(join(dir, 'package.json'), { force: true });
          else writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
          rmSync(link, { force: true });
          symlinkSync(realFolder, link, 'dir');
          return join(link, relative(realFolder, entry));
        },
        release() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    close() {
      if (root !== undefined) rmSync(root, { recursive: true, force: true });
      if (removeOnExit !== undefined) process.removeListener('exit', removeOnExit);
      root = undefined;
      removeOnExit = undefined;
    },
  };
}
