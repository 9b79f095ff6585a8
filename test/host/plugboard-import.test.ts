import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as plugboard from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { fixturesDir, tempDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';

// A plugin's `import ... from 'plugboard'` must reach the host's own copy, wherever the
// plugin folder lives and whatever copy a node_modules near it holds.

function seenBy(name: string): unknown {
  return (globalThis as { __plugboardSeenBy?: Record<string, unknown> }).__plugboardSeenBy?.[name];
}

function copyAs(dir: string, name: string): string {
  const folder = join(dir, name);
  cpSync(join(fixturesDir, 'imports-plugboard'), folder, { recursive: true });
  const manifest = { name, version: '1.0.0', main: 'index.js', provides: { 'test.greeter': '^1.0.0' } };
  writeFileSync(join(folder, 'plugin.json'), JSON.stringify(manifest));
  return folder;
}

function fakePlugboard(nodeModules: string): void {
  const dir = join(nodeModules, 'plugboard');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'plugboard', version: '9.9.9', type: 'module', main: 'index.js' }),
  );
  writeFileSync(
    join(dir, 'index.js'),
    'export const definePlugin = (p) => p; export const isPluginError = () => "fake";\n',
  );
}

describe("a plugin's import of plugboard", () => {
  test('inside the host project, gets the host copy', async () => {
    const host = testHost();
    await host.load(join(fixturesDir, 'imports-plugboard'));

    expect(seenBy('imports-plugboard')).toBe(plugboard);
    expect(host.get(Greeter, 'imports-plugboard').greet('ada')).toBe('function ada');
  });

  test('copied anywhere on disk with no node_modules, gets the host copy', async () => {
    const host = testHost();
    await host.load(copyAs(tempDir(), 'far-away'));

    expect(seenBy('far-away')).toBe(plugboard);
  });

  test('with another plugboard in its own node_modules, still gets the host copy', async () => {
    const folder = copyAs(tempDir(), 'bundles-its-own');
    fakePlugboard(join(folder, 'node_modules'));
    const host = testHost();
    await host.load(folder);

    expect(seenBy('bundles-its-own')).toBe(plugboard);
    expect(host.get(Greeter, 'bundles-its-own').greet('ada')).toBe('function ada');
  });

  test('from a CommonJS plugin (require), copied anywhere, gets the host copy', async () => {
    const folder = join(tempDir(), 'commonjs');
    cpSync(join(fixturesDir, 'commonjs'), folder, { recursive: true });
    const host = testHost();
    await host.load(folder);

    expect(seenBy('commonjs')).toBe(plugboard);
    expect(host.get(Greeter, 'commonjs').greet('ada')).toBe('cjs ada');
  });

  test('under a folder whose node_modules holds another plugboard, still gets the host copy', async () => {
    const root = tempDir();
    fakePlugboard(join(root, 'node_modules'));
    const plugins = join(root, 'plugins');
    mkdirSync(plugins);
    copyAs(plugins, 'beside-a-fake');
    const host = testHost();
    await host.loadDirectory(plugins);

    expect(seenBy('beside-a-fake')).toBe(plugboard);
  });
});
