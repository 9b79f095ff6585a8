import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { onCleanup, repoRoot, tempDir, writePlugin } from './helpers/fixtures.js';

// `plugboard dev` is run as a user runs it: the built command, real plugin folders on disk,
// real file changes. Each step waits for the line that says it happened.

const bin = join(repoRoot, 'dist', 'cli', 'main.js');
const contractsModule = join(repoRoot, 'test', 'fixtures', 'cli-dev', 'contracts.mjs');
const MS = String.raw`\(\d+(?:\.\d)? ms\)`;

interface Dev {
  readonly lines: readonly string[];
  /** The next stdout line after the last one waited for that matches; rejects if the command ends first. */
  next(match: RegExp | ((line: string) => boolean)): Promise<string>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  stderr(): string;
}

function startDev(...args: string[]): Dev {
  const child: ChildProcess = spawn(process.execPath, [bin, 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let cursor = 0;
  let waiting: { test: (line: string) => boolean; done: (line: string) => void; fail: (e: Error) => void } | undefined;
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const take = (): boolean => {
    if (waiting === undefined) return false;
    const index = lines.findIndex((line, at) => at >= cursor && waiting?.test(line));
    if (index === -1) return false;
    cursor = index + 1;
    const { done } = waiting;
    waiting = undefined;
    done(lines[index] as string);
    return true;
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    take();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  void exited.then((code) => {
    waiting?.fail(new Error(`plugboard dev exited (${code}) first.\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
  });
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    lines,
    next(match) {
      const test = typeof match === 'function' ? match : (line: string) => match.test(line);
      return new Promise((done, fail) => {
        waiting = { test, done, fail };
        if (!take() && (child.exitCode !== null || child.signalCode !== null)) {
          fail(new Error(`plugboard dev has exited.\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        }
      });
    },
    stop(signal = 'SIGINT') {
      child.kill(signal);
      return exited;
    },
    stderr: () => stderr,
  };
}

function operation(name: string, version: string, body: string): [Record<string, unknown>, string] {
  return [
    { name, version, main: 'index.js', provides: { 'calc.operation': '^1.0.0' } },
    `import { definePlugin } from 'plugboard';\nexport default definePlugin({ setup: () => (${body}) });\n`,
  ];
}

const add = (version: string) =>
  operation('add', version, `{ 'calc.operation': { symbol: '+', execute: (a, b) => a + b } }`);
const throwsInSetup = (name: string) =>
  [
    { name, version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } },
    `export default { setup() { throw new Error('${name} is not ready'); } };\n`,
  ] as const;
// No `execute`: only a host that knows the contract's methods refuses it.
const noExecute = operation('half', '1.0.0', `{ 'calc.operation': { symbol: '/2' } }`);

/** Replaces files as an editor saves: written beside, then renamed over, so no half-written file is seen. */
function save(folder: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(folder, `.${name}.saving`), text);
    renameSync(join(folder, `.${name}.saving`), join(folder, name));
  }
}

/** Puts a whole plugin folder into `dir` at once. */
function drop(dir: string, manifest: Record<string, unknown>, code: string): void {
  const staging = join(dir, '..', 'staging');
  mkdirSync(staging, { recursive: true });
  renameSync(writePlugin(staging, manifest, code), join(dir, String(manifest.name)));
}

function pluginsFolder(): string {
  const dir = join(tempDir('plugboard-dev-'), 'plugins');
  mkdirSync(dir);
  return dir;
}

describe('plugboard dev', () => {
  test('prints each load, reload, failure and unload with its timing, and exits 0 on SIGINT', async () => {
    const dir = pluginsFolder();
    writePlugin(dir, ...add('1.0.0'));
    writePlugin(dir, ...throwsInSetup('mul'));
    writePlugin(dir, ...noExecute);
    const dev = startDev(dir);

    await dev.next(/^ready 2 loaded, 1 failed /);
    expect(dev.lines[0]).toBe(`watching ${dir} (isolation inline)`);
    // Without --contracts, stand-ins from the manifests: a plugin missing a method still loads.
    expect(dev.lines[1]).toMatch(/^contracts calc\.operation@1\.0\.0 derived from the manifests/);
    expect(dev.lines).toContainEqual(expect.stringMatching(new RegExp(`^loaded add@1\\.0\\.0 ${MS}$`)));
    expect(dev.lines).toContainEqual(expect.stringMatching(new RegExp(`^loaded half@1\\.0\\.0 ${MS}$`)));
    expect(dev.lines).toContainEqual(expect.stringMatching(new RegExp(`^failed mul@1\\.0\\.0 ${MS}: SETUP_FAILED `)));

    const [manifest, code] = add('1.0.1');
    save(join(dir, 'add'), { 'plugin.json': JSON.stringify(manifest), 'index.js': code });
    await dev.next(new RegExp(`^reloaded add 1\\.0\\.0 → 1\\.0\\.1 ${MS}$`));

    save(join(dir, 'add'), { 'index.js': 'export default {\n' });
    await dev.next(/^reload failed add@1\.0\.1 \(\d+(?:\.\d)? ms, 1\.0\.1 keeps serving\): ENTRY_IMPORT_FAILED /);

    const [, fixed] = operation('mul', '1.0.0', `{ 'calc.operation': { symbol: '*', execute: (a, b) => a * b } }`);
    save(join(dir, 'mul'), { 'index.js': fixed });
    await dev.next(new RegExp(`^loaded mul@1\\.0\\.0 ${MS}$`));

    drop(dir, ...throwsInSetup('sub'));
    await dev.next(new RegExp(`^failed sub@1\\.0\\.0 ${MS}: SETUP_FAILED `));

    rmSync(join(dir, 'add'), { recursive: true });
    await dev.next(new RegExp(`^unloaded add@1\\.0\\.1 ${MS}$`));

    // A reload prints its outcome only, not the lifecycle of the versions it starts and stops.
    expect(dev.lines.filter((line) => /^(loaded|failed|unloaded) add@/.test(line))).toEqual([
      expect.stringMatching(/^loaded add@1\.0\.0 /),
      expect.stringMatching(/^unloaded add@1\.0\.1 /),
    ]);
    const printed = dev.lines.length;
    expect(await dev.stop('SIGINT')).toBe(0);
    expect(dev.lines.length).toBe(printed);
    expect(dev.stderr()).toBe('');
  });

  test('--json prints one object per line with the event and its timing; a plugin folder can be watched alone', async () => {
    const folder = writePlugin(pluginsFolder(), ...add('1.0.0'));
    const dev = startDev('--json', '--isolation', 'worker', folder);
    const events: Record<string, unknown>[] = [];
    const next = async (kind: string) => {
      const line = await dev.next((text) => (JSON.parse(text) as { event: string }).event === kind);
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      return event;
    };

    expect(await next('ready')).toMatchObject({ loaded: 1, failed: 0, ms: expect.any(Number) });
    expect(JSON.parse(dev.lines[0] as string)).toEqual({
      event: 'watching',
      path: folder,
      isolation: 'worker',
      contracts: [{ id: 'calc.operation', version: '1.0.0' }],
      contractsFrom: 'manifests',
    });
    expect(dev.lines.map((line) => JSON.parse(line))).toContainEqual({
      event: 'loaded',
      name: 'add',
      version: '1.0.0',
      path: folder,
      ms: expect.any(Number),
    });

    const [manifest, code] = add('1.0.1');
    save(folder, { 'plugin.json': JSON.stringify(manifest), 'index.js': code });
    expect(await next('reloaded')).toMatchObject({
      name: 'add',
      from: '1.0.0',
      version: '1.0.1',
      ms: expect.any(Number),
    });

    const [broken, throws] = throwsInSetup('add');
    save(folder, { 'plugin.json': JSON.stringify({ ...broken, version: '1.0.2' }), 'index.js': throws });
    expect(await next('reload-failed')).toMatchObject({
      name: 'add',
      version: '1.0.1',
      attempted: '1.0.2',
      ms: expect.any(Number),
      error: { code: 'SETUP_FAILED' },
    });

    rmSync(folder, { recursive: true });
    expect(await next('unloaded')).toMatchObject({ name: 'add', version: '1.0.1' });
    expect(await dev.stop('SIGTERM')).toBe(0);
  });

  test('a worker plugin that ends on its own is reported, restarted, and reported again', async () => {
    const dir = pluginsFolder();
    // The scenario, not coordination: the plugin's worker exits a moment after every start.
    writePlugin(
      dir,
      { name: 'flaky', version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } },
      `export default { setup() { setTimeout(() => process.exit(3), 50); return { 'calc.operation': {} }; } };\n`,
    );
    const dev = startDev('--isolation', 'worker', dir);

    await dev.next(new RegExp(`^loaded flaky@1\\.0\\.0 ${MS}$`));
    await dev.next(/^failed flaky@1\.0\.0: PLUGIN_EXITED /);
    await dev.next(/^restarting flaky@1\.0\.0 \(attempt 1, in \d+(?:\.\d)? ms\): PLUGIN_EXITED /);
    await dev.next(new RegExp(`^restarted flaky@1\\.0\\.0 ${MS}$`));
    expect(await dev.stop()).toBe(0);
  });

  test('--contracts makes the module’s contracts the host’s: a plugin missing a method fails with METHOD_MISSING', async () => {
    const dir = pluginsFolder();
    writePlugin(dir, ...add('1.0.0'));
    writePlugin(dir, ...noExecute);
    const dev = startDev('--contracts', contractsModule, dir);

    await dev.next(/^ready 1 loaded, 1 failed /);
    expect(dev.lines[1]).toBe(`contracts calc.operation@1.0.0 from ${contractsModule}`);
    expect(dev.lines).toContainEqual(expect.stringMatching(new RegExp(`^loaded add@1\\.0\\.0 ${MS}$`)));
    expect(dev.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^failed half@1\\.0\\.0 ${MS}: METHOD_MISSING `)),
    );
    expect(await dev.stop()).toBe(0);
  });
});

describe('plugboard dev refuses bad input with exit code 2 and a code on stderr', () => {
  function run(...args: string[]) {
    const result = spawnSync(process.execPath, [bin, 'dev', ...args], { encoding: 'utf8', timeout: 15_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  test.each([
    ['a path that does not exist', () => [join(tempDir(), 'nowhere')], 'WATCH_PATH_INVALID'],
    ['a file rather than a folder', () => [writeFile('plugin.json', '{}')], 'WATCH_PATH_INVALID'],
    [
      'a contracts module that cannot be imported',
      () => ['--contracts', join(tempDir(), 'no.mjs'), tempDir()],
      'CONTRACTS_MODULE_UNREADABLE',
    ],
    [
      'a contracts module with a syntax error',
      () => ['--contracts', writeFile('c.mjs', 'export const ='), tempDir()],
      'CONTRACTS_MODULE_UNREADABLE',
    ],
    [
      'a contracts module that exports no contract',
      () => ['--contracts', writeFile('c.mjs', 'export const a = 1;'), tempDir()],
      'CONTRACTS_MODULE_EMPTY',
    ],
    [
      'a contracts module with two contracts of one id',
      () => ['--contracts', writeFile('c.mjs', twoContractsOfOneId), tempDir()],
      'CONTRACT_DEFINITION_INVALID',
    ],
    ['an unknown isolation mode', () => ['--isolation', 'thread', tempDir()], 'ISOLATION_INVALID'],
    ['a debounce that is not a whole number of ms', () => ['--debounce', '1e3', tempDir()], 'DEBOUNCE_INVALID'],
  ])('%s', (_case, args, code) => {
    const result = run(...args());
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(new RegExp(`^plugboard dev: ${code} `));
  });

  test('with --json, the problem is one JSON object on stderr', () => {
    const result = run('--json', join(tempDir(), 'nowhere'));
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toMatchObject({ event: 'problem', code: 'WATCH_PATH_INVALID' });
  });
});

const twoContractsOfOneId = `import { defineContract } from '${pathToFileURL(join(repoRoot, 'dist', 'index.js')).href}';
export const First = defineContract({ id: 'calc.operation', version: '1.0.0', methods: {} });
export const Second = defineContract({ id: 'calc.operation', version: '2.0.0', methods: {} });
`;

function writeFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}
