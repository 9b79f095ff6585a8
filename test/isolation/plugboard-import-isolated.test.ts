import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IsolationMode } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { repoRoot, tempDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';

// A plugin's `import ... from 'plugboard'` must load in every mode, from a folder outside the
// host's project with no node_modules of its own: inline through a resolve hook, in a worker
// or a sandboxed child through the plugin view's generated package.

const MODES: readonly IsolationMode[] = ['inline', 'worker', 'process'];

/** Copies a fixture from test/fixtures/sandbox to a fresh temp dir; returns its folder. */
function copyFixture(name: string): string {
  const folder = join(tempDir(), name);
  cpSync(join(repoRoot, 'test', 'fixtures', 'sandbox', name), folder, { recursive: true });
  return folder;
}

describe.each(MODES)("a plugin importing 'plugboard', in %s mode", (mode) => {
  test('an ES module plugin whose package.json says "type": "module"', async () => {
    const folder = copyFixture('imports-plugboard-esm');
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
    const host = isolatedHost(mode);
    const info = await host.load(folder);

    expect(info.isolation).toBe(mode);
    expect(await host.get(Greeter, 'imports-plugboard-esm').greet('ada')).toBe('real plugboard for ada');
  });

  test('an ES module plugin with no package.json (Node detects the module syntax)', async () => {
    const folder = copyFixture('imports-plugboard-esm');
    const host = isolatedHost(mode);
    await host.load(folder);

    expect(await host.get(Greeter, 'imports-plugboard-esm').greet('ada')).toBe('real plugboard for ada');
  });

  test("a CommonJS plugin (index.cjs, require('plugboard'))", async () => {
    const folder = copyFixture('imports-plugboard-cjs');
    const host = isolatedHost(mode);
    const info = await host.load(folder);

    expect(info.isolation).toBe(mode);
    expect(await host.get(Greeter, 'imports-plugboard-cjs').greet('ada')).toBe('real plugboard for ada');
  });
});
