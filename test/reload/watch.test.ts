import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Host, HostEvents, IsolationMode, PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { onCleanup, repoRoot, tempDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';
import { rejection } from '../helpers/outcomes.js';

// Real folders, real chokidar. Every wait is on a host event (bounded by the test timeout),
// and "nothing happened" is proven by a later change the test causes itself.

type TestHost = Host<readonly [typeof Greeter], true>;

/** Resolves with the next `name` event that matches; register it before causing the change. */
function next<Name extends keyof HostEvents>(
  host: TestHost,
  name: Name,
  match: (event: HostEvents[Name]) => boolean = () => true,
): Promise<HostEvents[Name]> {
  return new Promise((resolve) => {
    const off = host.on(name, (event) => {
      if (!match(event)) return;
      off();
      resolve(event);
    });
  });
}

const about = (plugin: string) => (event: { plugin: { name: string } }) => event.plugin.name === plugin;
const reloadOf = (plugin: string) => (event: { name: string }) => event.name === plugin;

/** What the host did, in order: `reloading a`, `reloaded a`, `active b`, ... */
function eventLog(host: TestHost): string[] {
  const log: string[] = [];
  host.on('reloading', (event) => log.push(`reloading ${event.plugin.name}`));
  host.on('reloaded', (event) => log.push(`reloaded ${event.name}`));
  host.on('reload-failed', (event) => log.push(`reload-failed ${event.plugin.name}`));
  host.on('unloaded', (event) => log.push(`unloaded ${event.plugin.name}`));
  host.on('active', (event) => log.push(`active ${event.plugin.name}`));
  host.on('failed', (event) => log.push(`failed ${event.plugin.name}`));
  return log;
}

/** Writes (or rewrites) a greeter plugin whose greet answers with its version. */
function writeGreeter(folder: string, version: string): string {
  mkdirSync(folder, { recursive: true });
  const manifest = { name: basename(folder), version, main: 'index.js', provides: { 'test.greeter': '^1.0.0' } };
  writeFileSync(join(folder, 'plugin.json'), JSON.stringify(manifest));
  writeFileSync(
    join(folder, 'index.js'),
    `export default {
  setup: () => ({
    'test.greeter': { language: 'en', greet: (who) => '${version} ' + who, greetLater: async (who) => who },
  }),
};
`,
  );
  return folder;
}

/** Saves a version of the plugin that does not parse. */
function writeBroken(folder: string, version: string): void {
  const manifest = { name: basename(folder), version, main: 'index.js', provides: { 'test.greeter': '^1.0.0' } };
  writeFileSync(join(folder, 'plugin.json'), JSON.stringify(manifest));
  writeFileSync(join(folder, 'index.js'), 'export default {\n  setup: () => ({\n');
}

async function greet(host: TestHost, name: string): Promise<string> {
  return host.get(Greeter, name).greet('x');
}

function thrown(work: () => unknown): PluginError {
  try {
    work();
  } catch (error) {
    return error as PluginError;
  }
  throw new Error('expected a throw');
}

// host.get() of a name it has never served throws at once; a handle it made before fails on its next call.
async function notServed(host: TestHost, name: string): Promise<string> {
  return (await rejection(greet(host, name))).code;
}

// Watches, loads, calls, closes the host and does nothing else: it must then exit on its own.
const CLOSES_HOST = `
import { createHost, defineContract } from 'plugboard';
import { z } from 'zod';
const Greeter = defineContract({
  id: 'test.greeter',
  version: '1.2.0',
  meta: z.object({ language: z.string() }),
  methods: {
    greet: { args: z.tuple([z.string()]), result: z.string() },
    greetLater: { args: z.tuple([z.string()]), result: z.string(), async: true },
  },
});
const host = createHost({ contracts: [Greeter], isolation: process.env.PLUGBOARD_MODE });
const report = await host.watch(process.env.PLUGBOARD_ROOT).ready;
const answer = await host.get(Greeter, 'a').greet('x');
await host.close();
console.log(JSON.stringify({ loaded: report.loaded.map((plugin) => plugin.name), answer }));
`;

/** Runs an ES module program from the repository (so `plugboard` is this build) until it exits. */
function runChild(code: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ code: exitCode, stdout }));
    onCleanup(() => {
      child.kill('SIGKILL');
    });
  });
}

function pluginRoot(...plugins: string[]): string {
  const root = join(tempDir('plugboard-watch-'), 'plugins');
  for (const plugin of plugins) writeGreeter(join(root, plugin), '1.0.0');
  mkdirSync(root, { recursive: true });
  return root;
}

describe.each(['inline', 'worker'] as const)('host.watch() in %s mode', (mode: IsolationMode) => {
  test('ready loads what is there; a broken plugin fails, and loads once it is fixed', async () => {
    const root = pluginRoot('a', 'b');
    mkdirSync(join(root, 'broken'));
    writeBroken(join(root, 'broken'), '1.0.0');
    const host = isolatedHost(mode);

    const report = await host.watch(root).ready;

    expect(report.loaded.map((plugin) => plugin.name).sort()).toEqual(['a', 'b']);
    expect(report.failed.map((failure) => [failure.name, failure.error.code])).toEqual([
      ['broken', 'ENTRY_IMPORT_FAILED'],
    ]);
    expect(await greet(host, 'a')).toBe('1.0.0 x');

    const active = next(host, 'active', about('broken'));
    writeGreeter(join(root, 'broken'), '1.0.1');
    await active;
    expect(await greet(host, 'broken')).toBe('1.0.1 x');
  });

  test('a plugin folder written elsewhere and renamed into place is loaded', async () => {
    const root = pluginRoot('a');
    const host = isolatedHost(mode);
    await host.watch(root).ready;

    const active = next(host, 'active', about('c'));
    writeGreeter(join(root, '.staging', 'c'), '1.0.0');
    renameSync(join(root, '.staging', 'c'), join(root, 'c'));
    await active;

    expect(await greet(host, 'c')).toBe('1.0.0 x');
    expect(host.list().map((plugin) => [plugin.name, plugin.state])).toContainEqual(['c', 'active']);
  });

  test('a plugin folder written file by file in place is loaded', async () => {
    const root = pluginRoot();
    const host = isolatedHost(mode);
    expect((await host.watch(root).ready).loaded).toEqual([]);

    const active = next(host, 'active', about('d'));
    writeGreeter(join(root, 'd'), '1.0.0');
    await active;

    expect(await greet(host, 'd')).toBe('1.0.0 x');
  });

  test('changing a file reloads the plugin, and calls answer with the new version', async () => {
    const root = pluginRoot('a', 'b');
    const host = isolatedHost(mode);
    await host.watch(root).ready;

    const reloaded = next(host, 'reloaded', reloadOf('a'));
    writeGreeter(join(root, 'a'), '2.0.0');
    const report = await reloaded;

    expect([report.previous.version, report.next.version]).toEqual(['1.0.0', '2.0.0']);
    expect(await greet(host, 'a')).toBe('2.0.0 x');
    expect(await greet(host, 'b')).toBe('1.0.0 x');
    expect(host.list().map((plugin) => [plugin.name, plugin.version, plugin.state])).toEqual([
      ['a', '2.0.0', 'active'],
      ['b', '1.0.0', 'active'],
    ]);
  });

  test('a broken save fails the reload and the old version keeps answering; fixing it reloads', async () => {
    const root = pluginRoot('a');
    const host = isolatedHost(mode);
    await host.watch(root).ready;

    const failed = next(host, 'reload-failed', about('a'));
    writeBroken(join(root, 'a'), '2.0.0');
    const failure = await failed;

    expect(failure.error.code).toBe('ENTRY_IMPORT_FAILED');
    expect([failure.plugin.version, failure.attempted?.version]).toEqual(['1.0.0', '2.0.0']);
    expect(await greet(host, 'a')).toBe('1.0.0 x');
    expect(host.list().find((plugin) => plugin.name === 'a')?.state).toBe('active');

    const reloaded = next(host, 'reloaded', reloadOf('a'));
    writeGreeter(join(root, 'a'), '2.0.1');
    const report = await reloaded;

    expect([report.previous.version, report.next.version]).toEqual(['1.0.0', '2.0.1']);
    expect(await greet(host, 'a')).toBe('2.0.1 x');
  });

  test('deleting a plugin folder unloads it; the others keep answering', async () => {
    const root = pluginRoot('a', 'b');
    const host = isolatedHost(mode);
    await host.watch(root).ready;
    expect(await greet(host, 'a')).toBe('1.0.0 x');

    const unloaded = next(host, 'unloaded', about('a'));
    rmSync(join(root, 'a'), { recursive: true });
    expect((await unloaded).plugin.version).toBe('1.0.0');

    expect(await notServed(host, 'a')).toBe('PLUGIN_NOT_FOUND');
    expect(host.list().map((plugin) => plugin.name)).toEqual(['b']);
    expect(await greet(host, 'b')).toBe('1.0.0 x');
  });

  test('a single plugin folder can be watched: loaded, reloaded, kept on a broken save, unloaded', async () => {
    const folder = writeGreeter(join(tempDir('plugboard-watch-'), 'solo'), '1.0.0');
    const host = isolatedHost(mode);

    const report = await host.watch(folder).ready;
    expect(host.list().map((plugin) => [plugin.name, plugin.state])).toEqual([['solo', 'active']]);

    const reloaded = next(host, 'reloaded', reloadOf('solo'));
    writeGreeter(folder, '2.0.0');
    await reloaded;
    expect(await greet(host, 'solo')).toBe('2.0.0 x');

    const failed = next(host, 'reload-failed', about('solo'));
    writeBroken(folder, '3.0.0');
    expect((await failed).error.code).toBe('ENTRY_IMPORT_FAILED');
    expect(await greet(host, 'solo')).toBe('2.0.0 x');

    const fixed = next(host, 'reloaded', reloadOf('solo'));
    writeGreeter(folder, '3.0.1');
    await fixed;
    expect(await greet(host, 'solo')).toBe('3.0.1 x');

    const unloaded = next(host, 'unloaded', about('solo'));
    rmSync(folder, { recursive: true });
    await unloaded;
    expect(await notServed(host, 'solo')).toBe('PLUGIN_NOT_FOUND');
    expect(report).toEqual({ loaded: [expect.objectContaining({ name: 'solo', state: 'active' })], failed: [] });
  });

  test('changes in node_modules or hidden files do nothing', async () => {
    const root = pluginRoot('a', 'b');
    const host = isolatedHost(mode);
    await host.watch(root).ready;
    const log = eventLog(host);

    const a = join(root, 'a');
    mkdirSync(join(a, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(a, 'node_modules', 'dep', 'index.js'), 'export const x = 1;\n');
    writeFileSync(join(a, '.index.js.swp'), 'swap');
    mkdirSync(join(a, '.cache'));
    writeFileSync(join(a, '.cache', 'entry.js'), 'cached');
    mkdirSync(join(root, 'node_modules', 'x'), { recursive: true });
    writeGreeter(join(root, '.hidden-plugin'), '1.0.0');
    // A real change elsewhere: had any of the above been seen, its timer would have fired first.
    const reloaded = next(host, 'reloaded', reloadOf('b'));
    writeGreeter(join(root, 'b'), '2.0.0');
    await reloaded;
    // Queued behind a reload of `a` the watcher might have started: then there would be two.
    const report = await host.reload('a');

    expect(report.previous.version).toBe('1.0.0');
    // Only the reload asked for above; `b` may have seen more than one event for its save.
    expect(log.filter((entry) => !entry.endsWith(' b'))).toEqual(['reloading a', 'active a', 'reloaded a']);
    expect(
      host
        .list()
        .map((plugin) => plugin.name)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  test('several quick writes to one plugin give one reload', async () => {
    const root = pluginRoot();
    const folder = join(root, 'a');
    writeGreeter(folder, '1.0.0');
    writeFileSync(join(folder, 'lib.js'), 'export const word = "one";\n');
    const host = isolatedHost(mode);
    // Long enough that three synchronous writes always land in one quiet period on a busy machine.
    await host.watch(root, { debounceMs: 150 }).ready;
    const versions: string[] = [];
    host.on('reloaded', (report) => versions.push(String(report.next.version)));

    const first = next(host, 'reloaded');
    writeFileSync(join(folder, 'lib.js'), 'export const word = "two";\n');
    writeGreeter(folder, '2.0.0');
    writeFileSync(join(folder, 'index.js'), greeterWithLib());
    await first;
    expect(await greet(host, 'a')).toBe('two x');

    const second = next(host, 'reloaded');
    writeGreeter(folder, '3.0.0');
    await second;

    expect(versions).toEqual(['2.0.0', '3.0.0']);
    expect(await greet(host, 'a')).toBe('3.0.0 x');
  });

  test('watcher() stops watching at once; close() resolves', async () => {
    const first = pluginRoot('a');
    const second = pluginRoot('b');
    const host = isolatedHost(mode);
    const stopped = host.watch(first);
    const watching = host.watch(second);
    await Promise.all([stopped.ready, watching.ready]);
    const log = eventLog(host);

    stopped();
    writeGreeter(join(first, 'a'), '2.0.0');
    const reloaded = next(host, 'reloaded', reloadOf('b'));
    writeGreeter(join(second, 'b'), '2.0.0');
    await reloaded;
    await stopped.close();
    const report = await host.reload('a');

    expect([report.previous.version, report.next.version]).toEqual(['1.0.0', '2.0.0']);
    expect(log.filter((entry) => entry.endsWith(' a'))).toEqual(['reloading a', 'active a', 'reloaded a']);
  });

  test('host.close() closes its watchers: a program that does not close them itself still exits', async () => {
    const root = pluginRoot('a');
    const host = isolatedHost(mode);
    const watcher = host.watch(root);
    await watcher.ready;

    const report = await host.close();
    await watcher.close();
    expect(report.stopped).toEqual(['a']);

    // A watcher left open keeps a process alive: the child would never exit and the test would time out.
    const child = await runChild(CLOSES_HOST, { PLUGBOARD_ROOT: root, PLUGBOARD_MODE: mode });
    expect(child).toEqual({ code: 0, stdout: `${JSON.stringify({ loaded: ['a'], answer: '1.0.0 x' })}\n` });
  });

  test('initial: false loads nothing at first, then acts on changes', async () => {
    const root = pluginRoot('a');
    const host = isolatedHost(mode);

    const report = await host.watch(root, { initial: false }).ready;

    expect(report).toEqual({ loaded: [], failed: [] });
    expect(host.list()).toEqual([]);
    const active = next(host, 'active', about('a'));
    writeGreeter(join(root, 'a'), '2.0.0');
    await active;
    expect(await greet(host, 'a')).toBe('2.0.0 x');
  });
});

function greeterWithLib(): string {
  return `import { word } from './lib.js';
export default {
  setup: () => ({
    'test.greeter': { language: 'en', greet: (who) => word + ' ' + who, greetLater: async (who) => who },
  }),
};
`;
}

describe('host.watch() in process mode', () => {
  test('a change reloads the plugin in a new process; a broken save keeps the old one', async () => {
    const root = pluginRoot('a');
    const host = isolatedHost('process');
    expect((await host.watch(root).ready).loaded.map((plugin) => plugin.isolation)).toEqual(['process']);

    const reloaded = next(host, 'reloaded', reloadOf('a'));
    writeGreeter(join(root, 'a'), '2.0.0');
    await reloaded;
    expect(await greet(host, 'a')).toBe('2.0.0 x');

    const failed = next(host, 'reload-failed', about('a'));
    writeBroken(join(root, 'a'), '3.0.0');
    expect((await failed).error.code).toBe('ENTRY_IMPORT_FAILED');
    expect(await greet(host, 'a')).toBe('2.0.0 x');
  });
});

describe('host.watch() bad paths', () => {
  test('a path that is not a folder throws WATCH_PATH_INVALID, and the host still works', async () => {
    const root = pluginRoot('a');
    const host = isolatedHost('inline');

    expect(thrown(() => host.watch('/does/not/exist')).code).toBe('WATCH_PATH_INVALID');
    expect(thrown(() => host.watch(join(root, 'a', 'plugin.json'))).code).toBe('WATCH_PATH_INVALID');
    expect(thrown(() => host.watch([root, '/does/not/exist'])).code).toBe('WATCH_PATH_INVALID');

    await host.load(join(root, 'a'));
    expect(await greet(host, 'a')).toBe('1.0.0 x');
  });
});
