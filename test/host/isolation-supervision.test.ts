import { join } from 'node:path';
import { createHost, isPluginError, type PluginError, type RestartEvent, type TransitionEvent } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { pluginsDir, tempDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';
import { rejection } from '../helpers/outcomes.js';
import { writeGreeter } from '../helpers/plugins.js';

const MODES = ['worker', 'process'] as const;
const NO_RESTART = { maxRestarts: 0 };

function next<T>(subscribe: (listener: (event: T) => void) => () => void, matches: (event: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const dispose = subscribe((event) => {
      if (!matches(event)) return;
      dispose();
      resolve(event);
    });
  });
}

describe.each(MODES)('deadlines and supervision (%s)', (mode) => {
  test('a call stuck in a loop past its deadline ends the plugin; its other calls reject, neighbours answer', async () => {
    const dir = pluginsDir('good');
    writeGreeter(dir, 'spinner', {
      greet: '(who) => { if (who === "spin") for (;;) {} return who; }',
    });
    const host = isolatedHost({ minimum: mode, restart: NO_RESTART });
    await host.loadDirectory(dir);
    const spinner = host.get(Greeter, 'spinner');

    const stuck = rejection(host.get(Greeter, 'spinner', { timeoutMs: 200 }).greet('spin'));
    const queued = rejection(spinner.greet('after'));

    expect((await stuck).code).toBe('CALL_TIMEOUT');
    expect((await queued).code).toBe('PLUGIN_TERMINATED');
    const [info] = host.list().filter((plugin) => plugin.name === 'spinner');
    expect(info?.state).toBe('failed');
    expect(info?.error?.code).toBe('PLUGIN_TERMINATED');
    expect((info?.error?.cause as PluginError | undefined)?.code).toBe('CALL_TIMEOUT');
    await expect(host.get(Greeter, 'good').greet('ada')).resolves.toBe('hello ada');
  });

  test("the deadline comes from the call, else the plugin's policy, else the host", async () => {
    const dir = tempDir();
    writeGreeter(dir, 'slow', { greet: '() => new Promise(() => {})' });
    writeGreeter(dir, 'slower', { greet: '() => new Promise(() => {})' });
    const host = isolatedHost(
      { minimum: mode, restart: NO_RESTART },
      { timeouts: { callMs: 60_000 }, plugins: { slow: { callTimeoutMs: 100 } } },
    );
    await host.loadDirectory(dir);

    expect((await rejection(host.get(Greeter, 'slow').greet('x'))).code).toBe('CALL_TIMEOUT');
    expect((await rejection(host.get(Greeter, 'slower', { timeoutMs: 100 }).greet('x'))).code).toBe('CALL_TIMEOUT');
  });

  test('an aborted signal rejects the call with CALL_ABORTED and leaves the plugin running', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'waits', {
      greet: '(who) => who === "wait" ? new Promise((done) => setTimeout(done, 60_000, who)) : who',
    });
    const host = isolatedHost({ minimum: mode, restart: NO_RESTART });
    await host.loadDirectory(dir);
    const controller = new AbortController();

    const call = rejection(host.get(Greeter, 'waits', { signal: controller.signal }).greet('wait'));
    controller.abort(new Error('user left'));

    expect((await call).code).toBe('CALL_ABORTED');
    const already = await rejection(host.get(Greeter, 'waits', { signal: controller.signal }).greet('now'));
    expect(already.code).toBe('CALL_ABORTED');
    await expect(host.get(Greeter, 'waits').greet('still here')).resolves.toBe('still here');
    expect(host.list()[0]?.state).toBe('active');
  });

  test('AbortSignal.timeout() is a deadline: CALL_TIMEOUT, and the plugin is ended', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'spinner', { greet: '() => { for (;;) {} }' });
    const host = isolatedHost({ minimum: mode, restart: NO_RESTART });
    await host.loadDirectory(dir);

    const error = await rejection(host.get(Greeter, 'spinner', { signal: AbortSignal.timeout(150) }).greet('x'));

    expect(error.code).toBe('CALL_TIMEOUT');
    expect(host.list()[0]?.error?.code).toBe('PLUGIN_TERMINATED');
  });

  test('a crashed plugin is restarted with backoff and answers again; past the limit it stays failed', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'fragile', { greet: '(who) => { if (who === "die") process.exit(9); return "up:" + who; }' });
    const host = isolatedHost({ minimum: mode, restart: { maxRestarts: 2, windowMs: 60_000, backoffMs: 5 } });
    await host.loadDirectory(dir);
    const fragile = host.get(Greeter, 'fragile');
    const restarts: RestartEvent[] = [];
    host.on('restarting', (event) => restarts.push(event));

    for (const attempt of [1, 2]) {
      const active = next<TransitionEvent>(
        (l) => host.on('active', l),
        (event) => event.plugin.name === 'fragile',
      );
      expect((await rejection(fragile.greet('die'))).code).toBe('PLUGIN_EXITED');
      await active;
      await expect(fragile.greet(`again ${attempt}`)).resolves.toBe(`up:again ${attempt}`);
    }
    expect(restarts.map((event) => [event.attempt, event.error.code])).toEqual([
      [1, 'PLUGIN_EXITED'],
      [2, 'PLUGIN_EXITED'],
    ]);
    expect(restarts[1]?.delayMs).toBe(2 * (restarts[0]?.delayMs ?? 0));
    expect(host.inspect().plugins[0]?.restarts).toBe(2);

    expect((await rejection(fragile.greet('die'))).code).toBe('PLUGIN_EXITED');
    const [info] = host.list();
    expect(info?.state).toBe('failed');
    expect(info?.error?.code).toBe('RESTARTS_EXHAUSTED');
    expect((info?.error?.cause as PluginError | undefined)?.code).toBe('PLUGIN_EXITED');
  });
});

describe.each(MODES)('closing while a plugin restarts (%s)', (mode) => {
  test('close() waits for the restart under way, then stops what it started', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'fragile', { greet: '() => process.exit(4)' });
    const host = isolatedHost({ minimum: mode, restart: { maxRestarts: 1, backoffMs: 1 } });
    await host.loadDirectory(dir);
    const restarting = next<TransitionEvent>(
      (listener) => host.on('starting', listener),
      (event) => event.from === 'failed',
    );

    expect((await rejection(host.get(Greeter, 'fragile').greet('x'))).code).toBe('PLUGIN_EXITED');
    await restarting;
    const report = await host.close();

    expect(report).toEqual({ stopped: ['fragile'], failed: [] });
    expect(host.list().map((plugin) => plugin.state)).toEqual(['stopped']);
  });
});

describe('an inline plugin on a host that isolates', () => {
  test('its synchronous answers are checked and its throws named, like any other', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'sync', { greet: '(who) => who === "boom" ? (() => { throw new Error("no"); })() : who.length' });
    const host = isolatedHost('inline');
    await host.loadDirectory(dir);
    const sync = host.get(Greeter, 'sync');

    expect((await rejection(sync.greet('ada'))).code).toBe('CALL_RESULT_INVALID');
    expect((await rejection(sync.greet('boom'))).code).toBe('CALL_FAILED');
    expect((await rejection(sync.greet(1 as unknown as string))).code).toBe('CALL_ARGS_INVALID');
    expect(host.inspect().plugins[0]?.calls).toBe(3);
  });
});

describe('choosing the mode', () => {
  test('the strongest of the manifest, the host minimum, the plugin policy and the load call wins', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'plain');
    writeGreeter(dir, 'named');
    const host = isolatedHost('inline', { plugins: { named: { isolation: 'worker' } } });
    await host.load(`${dir}/plain`);
    await host.load(`${dir}/named`);
    const asked = tempDir();
    writeGreeter(asked, 'forced');
    await host.load(`${asked}/forced`, { isolation: 'process' });

    expect(host.list().map((plugin) => [plugin.name, plugin.isolation])).toEqual([
      ['plain', 'inline'],
      ['named', 'worker'],
      ['forced', 'process'],
    ]);
    // an inline plugin on an isolating host answers through a Promise too
    const answer = host.get(Greeter, 'plain').greet('ada');
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toBe('plain greets ada');
    await expect(host.get(Greeter, 'forced').greet('ada')).resolves.toBe('forced greets ada');
  });

  test('a host without `isolation` refuses a plugin that would run in a worker or process', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'plain');
    const host = createHost({ contracts: [Greeter] });
    try {
      const error = await rejection(host.load(`${dir}/plain`, { isolation: 'worker' }));
      expect(error.code).toBe('ISOLATION_UNAVAILABLE');
    } finally {
      await host.close();
    }
  });

  test.each([
    ['an unknown mode', { isolation: 'banana' }],
    ['a negative heap limit', { isolation: { limits: { heapMb: -1 } } }],
    ['a pool that is not a number', { isolation: { pool: 'two' } }],
    ['a restart limit that is not a number', { isolation: { restart: { maxRestarts: Number.NaN } } }],
    ['a heap limit of 0', { isolation: { limits: { heapMb: 0 } } }],
    ["a plugin's unknown mode", { isolation: 'worker', plugins: { add: { isolation: 'banana' } } }],
    ["a plugin's negative deadline", { isolation: 'worker', plugins: { add: { callTimeoutMs: -5 } } }],
    ["a plugin's grant of no such permission", { isolation: 'worker', plugins: { add: { grants: { fly: true } } } }],
    [
      "a plugin's grant that is not a boolean",
      { isolation: 'worker', plugins: { add: { grants: { fsWrite: 'yes' } } } },
    ],
  ])('bad isolation options are refused with HOST_OPTIONS_INVALID: %s', (_, options) => {
    let error: unknown;
    try {
      createHost({ contracts: [Greeter], ...(options as object) });
    } catch (caught) {
      error = caught;
    }
    expect(isPluginError(error) && error.code).toBe('HOST_OPTIONS_INVALID');
  });

  test('bad load options are refused with HOST_OPTIONS_INVALID, and nothing is loaded', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'plain');
    const host = isolatedHost('worker');
    const bad = { isolation: 'banana' } as unknown as { isolation: 'worker' };

    expect(() => host.load(join(dir, 'plain'), bad)).toThrow(expect.objectContaining({ code: 'HOST_OPTIONS_INVALID' }));
    expect((await rejection(host.loadDirectory(dir, { callTimeoutMs: 0 }))).code).toBe('HOST_OPTIONS_INVALID');
    expect(host.list()).toEqual([]);
    await host.load(join(dir, 'plain'), { isolation: 'process' });
    expect(host.list().map((plugin) => plugin.isolation)).toEqual(['process']);
  });

  test('a pool of warm children serves plugins as they load, one child each', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'first');
    writeGreeter(dir, 'second');
    const host = isolatedHost({ minimum: 'process', pool: 1 });
    const report = await host.loadDirectory(dir);
    expect(report.failed).toEqual([]);
    await expect(host.get(Greeter, 'first').greet('a')).resolves.toBe('first greets a');
    await expect(host.get(Greeter, 'second').greet('b')).resolves.toBe('second greets b');
  });

  test('the pool says when its children are warm, hands one to a plugin, and makes another', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'pooled', { greet: '() => String(process.pid)' });
    const host = isolatedHost({ minimum: 'process', pool: 2 });
    const states: { size: number; warm: number }[] = [];
    host.on('pool', (state) => states.push(state));
    const warm = () =>
      next<{ size: number; warm: number }>(
        (l) => host.on('pool', l),
        (state) => state.warm === 2,
      );

    await warm();
    expect(host.inspect().pool).toEqual({ size: 2, warm: 2 });
    const refilled = warm();
    await host.load(join(dir, 'pooled'));
    expect(host.inspect().pool.warm).toBeLessThan(2);
    await refilled;

    expect(states.map((state) => state.warm)).toEqual([1, 2, 1, 2]);
    await expect(host.get(Greeter, 'pooled').greet('x')).resolves.toMatch(/^\d+$/);
  });

  test('a host without a pool reports an empty one', () => {
    expect(isolatedHost('worker').inspect().pool).toEqual({ size: 0, warm: 0 });
  });
});
