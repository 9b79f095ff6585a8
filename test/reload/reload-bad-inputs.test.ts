import { join } from 'node:path';
import { createHost, type ReloadOptions, type WatchOptions } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';
import { thrownCode } from '../helpers/outcomes.js';
import { writeGreeterVersion } from '../helpers/reload-plugins.js';

/** A host serving `greeter` 1.0.0 from a folder that already holds 2.0.0, so a reload would switch. */
async function serving() {
  const folder = writeGreeterVersion(join(tempDir(), 'greeter'), { version: '1.0.0' });
  const host = testHost();
  await host.load(folder);
  writeGreeterVersion(folder, { version: '2.0.0' });
  return { host, folder, greeter: host.get(Greeter, 'greeter') };
}

// Options as plain JavaScript could pass them: the types would refuse them.
const badReloads: [string, unknown][] = [
  ['drainMs -1', { drainMs: -1 }],
  ["drainMs 'x'", { drainMs: 'x' }],
  ['drainMs NaN', { drainMs: Number.NaN }],
  ['beforeSwap not a function', { beforeSwap: true }],
  ['options not an object', 5],
];

const badWatches: [string, unknown][] = [
  ['debounceMs -1', { debounceMs: -1 }],
  ["debounceMs '20'", { debounceMs: '20' }],
  ["initial 'yes'", { initial: 'yes' }],
  ['drainMs -1', { drainMs: -1 }],
  ['beforeSwap not a function', { beforeSwap: 'later' }],
  ["load.isolation 'thread'", { load: { isolation: 'thread' } }],
];

const badHostReloads: [string, unknown][] = [
  ['retainedModulesWarning 0', { retainedModulesWarning: 0 }],
  ['retainedModulesWarning 1.5', { retainedModulesWarning: 1.5 }],
  ["retainedModulesWarning '50'", { retainedModulesWarning: '50' }],
  ['drainMs -1', { drainMs: -1 }],
  ['beforeSwap not a function', { beforeSwap: {} }],
  ['reload not an object', 'often'],
];

describe('bad reload options: HOST_OPTIONS_INVALID, and nothing changes', () => {
  test.each(badReloads)('reload() with %s', async (_, options) => {
    const { host, greeter } = await serving();

    expect(thrownCode(() => host.reload('greeter', options as ReloadOptions))).toBe('HOST_OPTIONS_INVALID');

    expect(greeter.greet('a')).toBe('v1.0.0:a');
    await host.reload('greeter');
    expect(greeter.greet('a')).toBe('v2.0.0:a');
  });

  test.each(badWatches)('watch() with %s', async (_, options) => {
    const { host, folder, greeter } = await serving();

    expect(thrownCode(() => host.watch(folder, options as WatchOptions))).toBe('HOST_OPTIONS_INVALID');

    expect(host.inspect().plugins).toMatchObject([{ version: '1.0.0', reloads: 0 }]);
    expect(greeter.greet('a')).toBe('v1.0.0:a');
  });

  test.each(badHostReloads)('createHost() with reload %s', async (_, reload) => {
    const { host, greeter } = await serving();

    expect(
      thrownCode(() => createHost({ contracts: [Greeter], reload: reload as { retainedModulesWarning: number } })),
    ).toBe('HOST_OPTIONS_INVALID');

    // A host made with the options refused is not made; the ones already there carry on.
    expect(greeter.greet('a')).toBe('v1.0.0:a');
    await host.reload('greeter');
    expect(greeter.greet('a')).toBe('v2.0.0:a');
  });

  test('the limits themselves are accepted: drainMs 0, debounceMs 0, retainedModulesWarning 1', async () => {
    const { host, folder, greeter } = await serving();
    const other = createHost({ contracts: [Greeter], reload: { retainedModulesWarning: 1, drainMs: 0 } });
    await other.close();

    await host.reload('greeter', { drainMs: 0 });
    const watcher = host.watch(folder, { debounceMs: 0, initial: false });
    await watcher.ready;
    await watcher.close();

    expect(greeter.greet('a')).toBe('v2.0.0:a');
  });
});
