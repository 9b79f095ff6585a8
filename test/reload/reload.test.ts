import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import type { ReloadFailedEvent, SwapProposal } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir } from '../helpers/fixtures.js';
import { isolatedHost, testHost } from '../helpers/host.js';
import { rejection, thrownCode } from '../helpers/outcomes.js';
import { counting, type GreeterVersion, gated, writeGreeterVersion } from '../helpers/reload-plugins.js';

type Mode = 'inline' | 'worker';
type Options = Parameters<typeof isolatedHost>[1];

/** A host with one plugin, `greeter`, loaded at `first`; its folder, to write later versions into. */
async function loaded(mode: Mode, first: GreeterVersion, options: Options = {}) {
  const folder = join(tempDir(), 'greeter');
  writeGreeterVersion(folder, first);
  const host = isolatedHost(mode, options);
  await host.load(folder);
  return { host, folder, greeter: host.get(Greeter, 'greeter') };
}

/** A promise the test settles: `open()` resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each<Mode>(['inline', 'worker'])('state handover (%s)', (mode) => {
  test("the old version's exportState() reaches the new version's importState(): a counter continues", async () => {
    const { host, folder, greeter } = await loaded(mode, counting('1.0.0'));
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:1');
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:2');

    writeGreeterVersion(folder, counting('1.1.0'));
    const report = await host.reload('greeter');

    expect(report.stateHandedOver).toBe(true);
    await expect(greeter.greet('a')).resolves.toBe('v1.1.0:a:3');
  });

  test('without exportState() the new version starts fresh, and its importState() is not called', async () => {
    const { host, folder, greeter } = await loaded(mode, { ...counting('1.0.0'), members: '' });
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:1');

    writeGreeterVersion(folder, counting('1.1.0', { importState: '() => { count = 100; }' }));
    const report = await host.reload('greeter');

    expect(report.stateHandedOver).toBe(false);
    await expect(greeter.greet('a')).resolves.toBe('v1.1.0:a:1');
  });

  test('state that cannot be cloned fails RELOAD_STATE_FAILED; the old version keeps serving with its state', async () => {
    const { host, folder, greeter } = await loaded(
      mode,
      counting('1.0.0', { exportState: '() => ({ count, bump: () => ++count })' }),
    );
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:1');

    writeGreeterVersion(folder, counting('1.1.0'));
    expect((await rejection(host.reload('greeter'))).code).toBe('RELOAD_STATE_FAILED');

    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:2');
    expect(host.list()).toMatchObject([{ name: 'greeter', version: '1.0.0', state: 'active' }]);
  });

  test('an importState() that throws fails RELOAD_STATE_FAILED; the old version keeps serving', async () => {
    const { host, folder, greeter } = await loaded(mode, counting('1.0.0'));
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:1');

    writeGreeterVersion(folder, counting('1.1.0', { importState: "() => { throw new Error('bad state'); }" }));
    expect((await rejection(host.reload('greeter'))).code).toBe('RELOAD_STATE_FAILED');

    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a:2');
  });
});

test('a plugin without state hooks reloads while its thread is blocked in a call (nothing to ask it for)', async () => {
  const unblock = join(tempDir(), 'unblock');
  const { host, folder, greeter } = await loaded(
    'worker',
    {
      version: '1.0.0',
      prelude: "import { existsSync } from 'node:fs';",
      greetLater: 'async (who) => { while (!existsSync(ctx.config.unblock)); return who; }',
    },
    { config: { greeter: { unblock } }, timeouts: { setupMs: 300 } },
  );
  const stuck = greeter.greetLater('a');

  writeGreeterVersion(folder, { version: '1.1.0' });
  // Unblocked at beforeSwap, after the state step: that step must not need the blocked thread.
  const unblocked = () => {
    writeFileSync(unblock, '');
    return true;
  };
  const report = await host.reload('greeter', { beforeSwap: unblocked }).finally(unblocked);

  expect(report).toMatchObject({ stateHandedOver: false, abandonedCalls: 0 });
  await expect(stuck).resolves.toBe('a');
  await expect(greeter.greet('b')).resolves.toBe('v1.1.0:b');
});

test('on a host without isolation, handles stay synchronous across a reload', async () => {
  const folder = writeGreeterVersion(join(tempDir(), 'greeter'), { version: '1.0.0' });
  const host = testHost();
  await host.load(folder);
  const greeter = host.get(Greeter, 'greeter');

  writeGreeterVersion(folder, { version: '2.0.0' });
  await host.reload('greeter');

  expect(greeter.greet('a')).toBe('v2.0.0:a');
});

describe('beforeSwap', () => {
  test('gets both versions; returning false vetoes with RELOAD_VETOED, and the old version serves', async () => {
    const { host, folder, greeter } = await loaded('inline', { version: '1.0.0' });
    const seen: SwapProposal[] = [];
    writeGreeterVersion(folder, { version: '2.0.0' });

    const error = await rejection(
      host.reload('greeter', {
        beforeSwap: (swap) => {
          seen.push(swap);
          return false;
        },
      }),
    );

    expect(error.code).toBe('RELOAD_VETOED');
    expect(seen).toMatchObject([
      {
        previous: { name: 'greeter', version: '1.0.0', state: 'active', path: folder },
        next: { name: 'greeter', version: '2.0.0', state: 'active', path: folder },
      },
    ]);
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a');
  });

  test('a throw vetoes with RELOAD_VETOED, the thrown error as its cause', async () => {
    const { host, folder, greeter } = await loaded('inline', { version: '1.0.0' });
    const thrown = new Error('not now');
    writeGreeterVersion(folder, { version: '2.0.0' });

    const error = await rejection(
      host.reload('greeter', {
        beforeSwap: async () => {
          throw thrown;
        },
      }),
    );

    expect(error.code).toBe('RELOAD_VETOED');
    expect(error.cause).toBe(thrown);
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a');
  });

  test("the host's default applies to every reload; a reload's own option replaces it", async () => {
    const asked: string[] = [];
    const { host, folder, greeter } = await loaded(
      'inline',
      { version: '1.0.0' },
      {
        reload: {
          beforeSwap: ({ next }) => {
            asked.push(`host ${next.version}`);
            return false;
          },
        },
      },
    );
    writeGreeterVersion(folder, { version: '2.0.0' });

    expect((await rejection(host.reload('greeter'))).code).toBe('RELOAD_VETOED');
    await host.reload('greeter', {
      beforeSwap: ({ next }) => {
        asked.push(`call ${next.version}`);
        return undefined;
      },
    });

    expect(asked).toEqual(['host 2.0.0', 'call 2.0.0']);
    await expect(greeter.greet('a')).resolves.toBe('v2.0.0:a');
  });
});

describe('cancelling', () => {
  test('disposing of a reload before its switch rejects it RELOAD_CANCELLED and stops the new version', async () => {
    const { host, folder, greeter } = await loaded('worker', { version: '1.0.0' });
    const newVersion: string[] = [];
    host.on('transition', (event) => {
      if (event.plugin.version === '2.0.0') newVersion.push(event.to);
    });
    const asked = gate();
    const answer = gate();
    writeGreeterVersion(folder, { version: '2.0.0' });

    const pending = host.reload('greeter', {
      beforeSwap: async () => {
        asked.open();
        await answer.opened;
        return true;
      },
    });
    await asked.opened;
    try {
      pending();
    } finally {
      answer.open(); // even if disposing threw: a reload left waiting would hold close() up
    }

    expect((await rejection(pending)).code).toBe('RELOAD_CANCELLED');
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a');
    expect(newVersion.at(-1)).toBe('stopped');
    expect(host.list()).toMatchObject([{ version: '1.0.0', state: 'active' }]);
  });

  test('disposing of it right after asking cancels it too; after the switch disposing changes nothing', async () => {
    const { host, folder, greeter } = await loaded('inline', { version: '1.0.0' });
    writeGreeterVersion(folder, { version: '2.0.0' });

    const cancelled = host.reload('greeter');
    cancelled[Symbol.dispose]();
    expect((await rejection(cancelled)).code).toBe('RELOAD_CANCELLED');
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a');

    const done = host.reload('greeter');
    await done;
    done[Symbol.dispose]();
    await expect(greeter.greet('a')).resolves.toBe('v2.0.0:a');
  });
});

describe('what a reload refuses', () => {
  test('an unknown name: PLUGIN_NOT_FOUND', async () => {
    const { host } = await loaded('inline', { version: '1.0.0' });
    expect((await rejection(host.reload('nobody'))).code).toBe('PLUGIN_NOT_FOUND');
  });

  test('a manifest that now names another plugin: RELOAD_NAME_CHANGED, no attempted version', async () => {
    const { host, folder, greeter } = await loaded('inline', { version: '1.0.0' });
    const failures: ReloadFailedEvent[] = [];
    host.on('reload-failed', (event) => failures.push(event));
    writeGreeterVersion(folder, { version: '2.0.0', name: 'renamed' });

    const error = await rejection(host.reload('greeter'));

    expect(error.code).toBe('RELOAD_NAME_CHANGED');
    expect(failures).toEqual([
      { plugin: { name: 'greeter', version: '1.0.0', path: folder }, attempted: undefined, error },
    ]);
    expect(host.list().map((plugin) => plugin.name)).toEqual(['greeter']);
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a');
  });

  test('a version outside what a dependent requires: RELOAD_BREAKS_DEPENDENT naming it', async () => {
    const dir = tempDir();
    const base = writeGreeterVersion(join(dir, 'base'), { version: '1.0.0' });
    writeGreeterVersion(join(dir, 'user'), { version: '1.0.0', requires: { base: '^1' } });
    const host = isolatedHost('inline');
    await host.loadDirectory(dir);
    writeGreeterVersion(base, { version: '2.0.0' });

    const error = await rejection(host.reload('base'));

    expect(error.code).toBe('RELOAD_BREAKS_DEPENDENT');
    expect(error.related).toEqual(['user']);
    await expect(host.get(Greeter, 'base').greet('a')).resolves.toBe('v1.0.0:a');
    expect(host.list()).toMatchObject([
      { name: 'base', state: 'active' },
      { name: 'user', state: 'active' },
    ]);
  });
});

describe.each<Mode>(['inline', 'worker'])('dependents (%s)', (mode) => {
  test('a plugin using the reloaded one reaches its new version, and is not restarted', async () => {
    const dir = tempDir();
    const log = join(dir, 'setups.log');
    const base = writeGreeterVersion(join(dir, 'base'), { version: '1.0.0' });
    writeGreeterVersion(join(dir, 'relay'), {
      version: '1.0.0',
      requires: { base: '^1.0.0' },
      prelude: "import { appendFileSync } from 'node:fs';",
      // One handle kept from setup, one asked for on each call: both must follow the reload.
      setup: "appendFileSync(ctx.config.log, 'setup\\n'); const kept = ctx.use('test.greeter', 'base');",
      greet: "async (who) => 'relay>' + (await kept.greet(who))",
      greetLater: "async (who) => 'relay>' + (await ctx.use('test.greeter', 'base').greet(who))",
    });
    const host = isolatedHost(mode, { config: { relay: { log } } });
    await host.loadDirectory(dir);
    const relay = host.get(Greeter, 'relay');
    await expect(relay.greet('a')).resolves.toBe('relay>v1.0.0:a');
    const relayEvents: string[] = [];
    host.on('transition', (event) => {
      if (event.plugin.name === 'relay') relayEvents.push(event.to);
    });

    writeGreeterVersion(base, { version: '1.1.0' });
    await host.reload('base');

    await expect(relay.greet('a')).resolves.toBe('relay>v1.1.0:a');
    await expect(relay.greetLater('a')).resolves.toBe('relay>v1.1.0:a');
    expect(relayEvents).toEqual([]);
    expect(readFileSync(log, 'utf8')).toBe('setup\n');
  });
});

describe('events', () => {
  test('one good reload: reloading, the new version starting, the old one stopping, then reloaded', async () => {
    const { host, folder } = await loaded('worker', { version: '1.0.0' });
    const seen: string[] = [];
    host.on('transition', ({ plugin, to, reload }) => seen.push(`${plugin.version} ${to}${reload ? ' (reload)' : ''}`));
    host.on('reloading', ({ plugin }) => seen.push(`reloading ${plugin.version}`));
    const reports: unknown[] = [];
    host.on('reloaded', (report) => {
      seen.push('reloaded');
      reports.push(report);
    });
    writeGreeterVersion(folder, { version: '2.0.0' });

    const report = await host.reload('greeter');

    expect(seen).toEqual([
      'reloading 1.0.0',
      '2.0.0 discovered (reload)',
      '2.0.0 resolved (reload)',
      '2.0.0 starting (reload)',
      '2.0.0 active (reload)',
      '1.0.0 stopping (reload)',
      '1.0.0 stopped (reload)',
      'reloaded',
    ]);
    expect(report).toEqual({
      name: 'greeter',
      previous: { name: 'greeter', version: '1.0.0', path: folder },
      next: { name: 'greeter', version: '2.0.0', path: folder },
      stateHandedOver: false,
      abandonedCalls: 0,
      durationMs: expect.any(Number),
    });
    expect(reports).toEqual([report]);

    // Once switched in, the new version's transitions are the name's own again.
    await host.unload('greeter');
    expect(seen.slice(-2)).toEqual(['2.0.0 stopping', '2.0.0 stopped']);
  });

  test('reload-failed names the version still serving, the attempted one, and the error', async () => {
    const { host, folder, greeter } = await loaded('worker', { version: '1.0.0' });
    const failures: ReloadFailedEvent[] = [];
    host.on('reload-failed', (event) => failures.push(event));
    writeGreeterVersion(folder, { version: '2.0.0', broken: 'setup-throws' });

    const error = await rejection(host.reload('greeter'));

    expect(error.code).toBe('SETUP_FAILED');
    expect(failures).toEqual([
      {
        plugin: { name: 'greeter', version: '1.0.0', path: folder },
        attempted: { name: 'greeter', version: '2.0.0', path: folder },
        error,
      },
    ]);
    await expect(greeter.greet('a')).resolves.toBe('v1.0.0:a');
  });
});

describe.each<Mode>(['inline', 'worker'])('draining the old version (%s)', (mode) => {
  test('a call in flight at the switch finishes on the old version; calls after it reach the new one', async () => {
    const open = join(tempDir(), 'open');
    const { host, folder, greeter } = await loaded(mode, gated('1.0.0'), { config: { greeter: { gate: open } } });
    const inFlight = greeter.greetLater('a');
    let settled = false;
    void inFlight.finally(() => {
      settled = true;
    });
    const asked = gate();
    writeGreeterVersion(folder, gated('2.0.0'));

    const pending = host.reload('greeter', {
      beforeSwap: () => {
        asked.open();
        return true;
      },
    });
    await asked.opened;
    await turn(); // the switch follows beforeSwap's answer without waiting on anything else

    expect(host.list()).toMatchObject([{ version: '2.0.0', state: 'active' }]);
    await expect(greeter.greet('b')).resolves.toBe('v2.0.0:b');
    expect(settled).toBe(false);
    writeFileSync(open, '');
    await expect(inFlight).resolves.toBe('v1.0.0:later:a');
    expect((await pending).abandonedCalls).toBe(0);
  });

  test('a call still running when drainMs passes is abandoned and counted', async () => {
    const open = join(tempDir(), 'open');
    const { host, folder, greeter } = await loaded(mode, gated('1.0.0'), { config: { greeter: { gate: open } } });
    const inFlight = greeter.greetLater('a');
    void inFlight.catch(() => {}); // it may reject while the reload is awaited, before the check below
    writeGreeterVersion(folder, gated('2.0.0'));

    const report = await host.reload('greeter', { drainMs: 0 });

    expect(report.abandonedCalls).toBe(1);
    if (mode === 'worker') {
      expect((await rejection(inFlight)).code).toBe('PLUGIN_NOT_ACTIVE');
    } else {
      // Nothing can cut code on the host's own thread off: the call ends on its own.
      writeFileSync(open, '');
      await expect(inFlight).resolves.toBe('v1.0.0:later:a');
    }
  });
});

describe('reload and the rest of the host', () => {
  test('a failed plugin whose folder is fixed is loaded afresh and becomes active', async () => {
    const folder = writeGreeterVersion(join(tempDir(), 'greeter'), { version: '1.0.0', broken: 'setup-throws' });
    const host = isolatedHost('worker');
    expect((await rejection(host.load(folder))).code).toBe('SETUP_FAILED');
    expect(host.list()).toMatchObject([{ name: 'greeter', state: 'failed' }]);

    writeGreeterVersion(folder, { version: '1.0.1' });
    await host.reload('greeter');

    expect(host.list()).toMatchObject([{ name: 'greeter', version: '1.0.1', state: 'active' }]);
    await expect(host.get(Greeter, 'greeter').greet('a')).resolves.toBe('v1.0.1:a');
  });

  test('two reloads asked back to back both succeed, one after the other; a third joins the waiting one', async () => {
    const { host, folder, greeter } = await loaded('worker', { version: '1.0.0' });
    writeGreeterVersion(folder, { version: '2.0.0' });

    const first = host.reload('greeter');
    const second = host.reload('greeter');
    const third = host.reload('greeter');

    expect(third).toBe(second);
    const reports = await Promise.all([first, second]);
    expect(reports.map((report) => [report.previous.version, report.next.version])).toEqual([
      ['1.0.0', '2.0.0'],
      ['2.0.0', '2.0.0'],
    ]);
    await expect(greeter.greet('a')).resolves.toBe('v2.0.0:a');
    expect(host.inspect().plugins).toMatchObject([{ version: '2.0.0', reloads: 2 }]);
  });

  test('inspect() counts the reloads that switched, not those that failed', async () => {
    const { host, folder } = await loaded('inline', { version: '1.0.0' });
    for (const [version, broken] of [['1.1.0'], ['1.2.0', 'setup-throws'], ['1.3.0']] as const) {
      writeGreeterVersion(folder, { version, broken });
      await host.reload('greeter').catch(() => {});
    }
    expect(host.inspect().plugins).toMatchObject([{ name: 'greeter', version: '1.3.0', reloads: 2 }]);
  });

  test('unloading while a reload runs waits for it, then unloads the new version', async () => {
    const { host, folder } = await loaded('inline', { version: '1.0.0' });
    const order: string[] = [];
    host.on('unloaded', ({ plugin }) => order.push(`unloaded ${plugin.version}`));
    const asked = gate();
    const answer = gate();
    writeGreeterVersion(folder, { version: '2.0.0' });

    const reloading = host.reload('greeter', {
      beforeSwap: async () => {
        asked.open();
        await answer.opened;
        return true;
      },
    });
    await asked.opened;
    const unloading = host.unload('greeter');
    void reloading.then(() => order.push('reloaded'));
    answer.open();
    await Promise.all([reloading, unloading]);

    expect(order).toEqual(['reloaded', 'unloaded 2.0.0']);
    expect(host.list()).toEqual([]);
  });

  test('after close(), reload() throws HOST_CLOSED', async () => {
    const { host } = await loaded('inline', { version: '1.0.0' });
    await host.close();
    expect(thrownCode(() => host.reload('greeter'))).toBe('HOST_CLOSED');
  });
});
