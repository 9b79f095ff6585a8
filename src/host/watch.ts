import { createHash } from 'node:crypto';
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { type FSWatcher, watch as watchFiles } from 'chokidar';
import type { Logger } from '../contract/define-plugin.js';
import { describeValue, PluginError } from '../errors.js';
import { hasManifest } from '../manifest/read.js';
import { createDisposer, type Disposer } from '../util/disposer.js';
import type { LoadReport } from './load-batch.js';
import type { PluginPolicy } from './policy.js';
import type { PluginInfo, PluginRecord } from './records.js';
import type { PendingReload, ReloadOptions } from './reload.js';

/** Quiet time after the last change in a plugin folder before the host acts on it. */
export const WATCH_DEBOUNCE_MS = 20;

export interface WatchOptions extends ReloadOptions {
  /** How long a plugin folder must be quiet before it is loaded, reloaded or unloaded. */
  readonly debounceMs?: number;
  /** The load options for plugins the watcher loads. */
  readonly load?: PluginPolicy;
  /** Whether to load the plugins already there when watching starts (default true). */
  readonly initial?: boolean;
}

/** Stops watching when called or disposed of; `ready` settles once the first load is done and changes are seen. */
export type Watcher = Disposer &
  AsyncDisposable & {
    readonly ready: Promise<LoadReport>;
    /** Stops watching and waits for what a change already started. */
    close(): Promise<void>;
  };

export interface WatchDeps {
  readonly logger: Logger;
  loadDirectory(directories: readonly string[], options: PluginPolicy | undefined): Promise<LoadReport>;
  load(folder: string, options: PluginPolicy | undefined): Promise<PluginInfo>;
  reload(name: string, options: ReloadOptions): PendingReload;
  unload(name: string): Promise<void>;
  /** The current record of the plugin loaded from `folder`, if any. */
  recordAt(folder: string): PluginRecord | undefined;
  /** Settles once the loads and restarts under way have finished. */
  settled(): Promise<void>;
  /** Called once, when the watcher stops. */
  onClose(): void;
}

// A path given to watch() is a plugin folder when it holds a manifest, else a folder of them.
interface Root {
  readonly path: string;
  readonly isPlugin: boolean;
}

/**
 * Watches plugin folders and acts on each once it has been quiet for `debounceMs`: a folder that
 * is new (or failed before) is loaded, a loaded one reloaded, a removed one unloaded. What to do
 * is decided from the folder as it is then, not from the events that led there, so an editor's
 * save in several writes or a folder removed file by file gives one action.
 */
export function watchPlugins(paths: readonly string[], options: WatchOptions, deps: WatchDeps): Watcher {
  const roots = paths.map((path) => toRoot(resolve(path)));
  const debounceMs = options.debounceMs ?? WATCH_DEBOUNCE_MS;
  const timers = new Map<string, NodeJS.Timeout>();
  const acting = new Map<string, Promise<void>>();
  // What each folder held when it was last acted on: events that arrive late for a change
  // already applied (a folder moved in, its files reported afterwards) then change nothing.
  const applied = new Map<string, string>();
  let closed = false;

  const files: FSWatcher = watchFiles(
    roots.map((root) => root.path),
    {
      ignoreInitial: true,
      ignored: (path) => isIgnored(roots, path),
    },
  );

  const ready = (async () => {
    await new Promise<void>((done, fail) => {
      files.once('ready', done);
      files.once('error', fail);
    });
    files.on('all', (_event, path) => changed(path));
    // Chokidar drops a change whose file's mtime looks unchanged, which two saves within the
    // file system's clock tick do; the raw events are not filtered, and acting on the folder as
    // it is makes a spare event harmless.
    files.on('raw', (_event, file, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (typeof file !== 'string' || watched === undefined) return;
      changed(watched.endsWith(sep + file) ? watched : join(watched, file));
    });
    files.on('error', (error) => deps.logger.error('watching plugin folders failed', { error }));
    if (options.initial === false) return { loaded: [], failed: [] };
    const plugins = roots.filter((root) => root.isPlugin).map((root) => root.path);
    const directories = roots.filter((root) => !root.isPlugin).map((root) => root.path);
    const fromDirectories = await deps.loadDirectory(directories, options.load);
    for (const directory of directories) {
      for (const folder of subfolders(directory)) applied.set(folder, fingerprint(folder));
    }
    for (const folder of plugins) applied.set(folder, fingerprint(folder));
    const single = await Promise.all(
      plugins.map((folder) =>
        deps.load(folder, options.load).then(
          (info) => ({ info }),
          (error: PluginError) => ({ failure: { name: error.plugin, version: error.version, path: folder, error } }),
        ),
      ),
    );
    return {
      loaded: [...fromDirectories.loaded, ...single.flatMap((each) => ('info' in each ? [each.info] : []))],
      failed: [...fromDirectories.failed, ...single.flatMap((each) => ('failure' in each ? [each.failure] : []))],
    };
  })();
  ready.catch(() => {});

  const changed = (path: string) => {
    if (closed || isIgnored(roots, path)) return;
    const folder = pluginFolderOf(roots, path);
    if (folder === undefined) return;
    clearTimeout(timers.get(folder));
    timers.set(
      folder,
      setTimeout(() => {
        timers.delete(folder);
        const before = acting.get(folder) ?? Promise.resolve();
        const next = before.then(() => act(folder));
        acting.set(folder, next);
        void next.finally(() => {
          if (acting.get(folder) === next) acting.delete(folder);
        });
      }, debounceMs),
    );
  };

  const act = async (folder: string): Promise<void> => {
    // A change seen while the folder is still being loaded is acted on once the load is over.
    await ready.catch(() => {});
    await deps.settled();
    if (closed) return;
    const record = deps.recordAt(folder);
    const contents = isFolder(folder) ? fingerprint(folder) : undefined;
    if (contents !== undefined && contents === applied.get(folder) && record !== undefined) return;
    if (contents === undefined) applied.delete(folder);
    else applied.set(folder, contents);
    try {
      if (contents === undefined) {
        if (record !== undefined) await deps.unload(record.name);
      } else if (record?.state === 'active') {
        await deps.reload(record.name, options);
      } else {
        await deps.load(folder, options.load);
      }
    } catch (error) {
      // The host has already reported it (reload-failed, a failed transition); the watcher goes on.
      deps.logger.debug('a watched change did not apply', { folder, error: describeValue(error) });
    }
  };

  const close = async () => {
    closed = true;
    deps.onClose();
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    await files.close();
    await Promise.allSettled([ready, ...acting.values()]);
  };
  let closing: Promise<void> | undefined;
  const stop = () => {
    closing ??= close();
    return closing;
  };
  const disposer = createDisposer(() => void stop());
  return Object.assign(disposer, {
    ready,
    close: stop,
    [Symbol.asyncDispose]: stop,
  });
}

function toRoot(path: string): Root {
  if (!isFolder(path)) {
    throw new PluginError('WATCH_PATH_INVALID', `cannot watch ${path}: it is not a folder`, { path });
  }
  return { path, isPlugin: hasManifest(path) };
}

/** The plugin folder a changed path belongs to, or undefined for paths outside any plugin. */
function pluginFolderOf(roots: readonly Root[], path: string): string | undefined {
  for (const root of roots) {
    const inside = relative(root.path, path);
    if (inside.startsWith('..') || resolve(root.path, inside) !== path) continue;
    if (root.isPlugin) return root.path;
    if (inside === '') return undefined;
    return resolve(root.path, inside.split(sep)[0] as string);
  }
  return undefined;
}

// Dependencies and hidden entries (editors' swap files, .git) inside a plugin are not its code.
function isIgnored(roots: readonly Root[], path: string): boolean {
  for (const root of roots) {
    const inside = relative(root.path, path);
    if (inside === '' || inside.startsWith('..')) continue;
    return inside.split(sep).some((part) => part === 'node_modules' || part.startsWith('.'));
  }
  return false;
}

/** The plugin's own files (not node_modules, not hidden ones), by path and content. */
function fingerprint(folder: string): string {
  const hash = createHash('sha1');
  const walk = (dir: string, prefix: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      hash.update(`${prefix}${entry.name}\0`);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else {
        try {
          hash.update(readFileSync(path)).update('\0');
        } catch {
          // gone meanwhile: its name is enough
        }
      }
    }
  };
  walk(folder, '');
  return hash.digest('hex');
}

function subfolders(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => join(directory, entry.name));
  } catch {
    return [];
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
