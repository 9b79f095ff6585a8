import { createHost, defineContract, isPluginError, type PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { Greeter } from '../helpers/contracts.js';
import { onCleanup, pluginsDir, tempDir, writePlugin } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';
import { recordingLogger, rejection } from '../helpers/outcomes.js';
import { writeGreeter } from '../helpers/plugins.js';

const MODES = ['worker', 'process'] as const;

const Anything = defineContract({
  id: 'test.anything',
  version: '1.0.0',
  methods: {
    echo: { args: z.tuple([z.unknown()]), result: z.unknown() },
    give: { args: z.tuple([]), result: z.unknown() },
  },
});

function anythingHost(mode: (typeof MODES)[number]) {
  const host = createHost({ contracts: [Anything], isolation: mode });
  onCleanup(async () => {
    await host.close();
  });
  return host;
}

describe.each(MODES)('calls across the boundary (%s)', (mode) => {
  test('the same typed handle: metadata as fields, every method returns a Promise', async () => {
    const host = isolatedHost(mode);
    await host.loadDirectory(pluginsDir('good'));
    const good = host.get(Greeter, 'good');

    expect(good.language).toBe('en');
    const answer = good.greet('ada');
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toBe('hello ada');
    await expect(good.greetLater('ada')).resolves.toBe('hello later ada');
    expect(host.list()[0]).toMatchObject({ name: 'good', state: 'active', isolation: mode });
  });

  test('arguments are checked against the contract before they are sent, results when they come back', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'wrong', { greet: '(who) => who.length' });
    const host = isolatedHost(mode);
    await host.loadDirectory(dir);
    const wrong = host.get(Greeter, 'wrong');

    expect((await rejection(wrong.greet(42 as unknown as string))).code).toBe('CALL_ARGS_INVALID');
    const error = await rejection(wrong.greet('ada'));
    expect(error.code).toBe('CALL_RESULT_INVALID');
    expect(error.plugin).toBe('wrong');
    await expect(wrong.greetLater('still fine')).resolves.toBe('still fine');
  });

  test("a plugin's error arrives as CALL_FAILED with the original name, message, code, stack and cause", async () => {
    const dir = tempDir();
    writeGreeter(dir, 'thrower', {
      greet: `(who) => { throw Object.assign(new TypeError('no ' + who, { cause: new Error('root') }), { code: 'E_NO' }); }`,
    });
    const host = isolatedHost(mode);
    await host.loadDirectory(dir);

    const error = await rejection(host.get(Greeter, 'thrower').greet('ada'));

    expect(error).toMatchObject({ code: 'CALL_FAILED', plugin: 'thrower', contract: 'test.greeter', method: 'greet' });
    const cause = error.cause as TypeError & { code: string };
    expect(cause).toMatchObject({ name: 'TypeError', message: 'no ada', code: 'E_NO' });
    expect(cause.stack).toContain('index.js');
    expect((cause.cause as Error).message).toBe('root');
  });

  test('a PluginError thrown by the plugin keeps its code in the cause', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'coded', {
      setup: "const { PluginError } = await import('plugboard');",
      greet: `() => { throw new PluginError('CALL_ARGS_INVALID', 'my own check'); }`,
    });
    const host = isolatedHost(mode);
    await host.loadDirectory(dir);

    const error = await rejection(host.get(Greeter, 'coded').greet('x'));
    expect(error.code).toBe('CALL_FAILED');
    expect(isPluginError(error.cause)).toBe(true);
    expect((error.cause as PluginError).code).toBe('CALL_ARGS_INVALID');
  });

  test('what cannot cross is refused with its own code, naming where it is', async () => {
    const dir = tempDir();
    writePlugin(
      dir,
      { name: 'echo', version: '1.0.0', main: 'index.js', provides: { 'test.anything': '^1.0.0' } },
      `export default { setup: () => ({ 'test.anything': {
        echo: (value) => value,
        give: () => ({ ok: 1, handler: () => 1 }),
      } }) };`,
    );
    const host = anythingHost(mode);
    await host.loadDirectory(dir);
    const echo = host.get(Anything, 'echo');

    const args = await rejection(echo.echo({ nested: [() => 1] }));
    expect(args.code).toBe('CALL_ARGS_NOT_CLONEABLE');
    const result = await rejection(echo.give());
    expect(result.code).toBe('CALL_RESULT_NOT_CLONEABLE');
    expect(result.issues[0]?.path).toBe('result.handler');
    // what structured clone carries arrives intact, JSON or not
    const value = { when: new Date(7), big: 10n, nothing: undefined, far: -Infinity, map: new Map([[1, 'a']]) };
    await expect(echo.echo(value)).resolves.toEqual(value);
  });

  test('a 10 MB argument crosses and comes back', async () => {
    const dir = tempDir();
    writePlugin(
      dir,
      { name: 'echo', version: '1.0.0', main: 'index.js', provides: { 'test.anything': '^1.0.0' } },
      `export default { setup: () => ({ 'test.anything': { echo: (v) => v.length, give: () => 1 } }) };`,
    );
    const host = anythingHost(mode);
    await host.loadDirectory(dir);

    await expect(host.get(Anything, 'echo').echo('x'.repeat(10 * 1024 * 1024))).resolves.toBe(10 * 1024 * 1024);
  });

  test('ctx.use() reaches another plugin through the host, and ctx.logger and ctx.config arrive', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'base', { greet: "(who) => 'base:' + who" });
    writeGreeter(dir, 'relay', {
      requires: { 'test.greeter': '^1.0.0' },
      setup: "ctx.logger.info('relay up', { prefix: ctx.config.prefix });",
      greet: "async (who) => ctx.config.prefix + (await ctx.use('test.greeter', 'base').greet(who))",
    });
    const { logger, entries } = recordingLogger();
    const host = isolatedHost(mode, { logger, config: { relay: { prefix: '>' } } });
    await host.loadDirectory(dir);

    await expect(host.get(Greeter, 'relay').greet('ada')).resolves.toBe('>base:ada');
    expect(entries).toContainEqual({ message: 'relay up', fields: { plugin: 'relay', version: '1.0.0', prefix: '>' } });
  });

  test('ctx.use() refuses inside the plugin as inline: USE_UNDECLARED first, then CONTRACT_UNKNOWN', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'base');
    writeGreeter(dir, 'nosy', {
      requires: { base: '^1.0.0' },
      greet:
        "(asked) => { const [id, name] = asked.split(' '); try { ctx.use(id, name); return 'used'; } catch (error) { return error.code; } }",
    });
    const host = isolatedHost(mode);
    await host.loadDirectory(dir);
    const nosy = host.get(Greeter, 'nosy');

    await expect(nosy.greet('test.greeter')).resolves.toBe('USE_UNDECLARED');
    await expect(nosy.greet('no.such.contract')).resolves.toBe('USE_UNDECLARED');
    await expect(nosy.greet('no.such.contract base')).resolves.toBe('CONTRACT_UNKNOWN');
    await expect(nosy.greet('test.greeter base')).resolves.toBe('used');
  });

  test('unloading ends the worker or process, and a kept handle then explains why it cannot call', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'gone', { greet: '() => String(process.pid)' });
    const host = isolatedHost(mode);
    await host.loadDirectory(dir);
    const gone = host.get(Greeter, 'gone');
    const pid = Number(await gone.greet('x'));

    await host.unload('gone');

    expect((await rejection(gone.greet('x'))).code).toBe('PLUGIN_NOT_FOUND');
    if (mode === 'process') expect(() => process.kill(pid, 0)).toThrow();
    else expect(pid).toBe(process.pid);
  });

  test('close() runs every teardown and ends the workers or processes', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'tidy', {
      setup: 'globalThis.ctx = ctx;',
      greet: '() => String(process.pid)',
      teardown: "globalThis.ctx.logger.info('torn down', { aborted: globalThis.ctx.signal.aborted });",
    });
    const { logger, entries } = recordingLogger();
    const host = isolatedHost(mode, { logger });
    await host.loadDirectory(dir);
    const pid = Number(await host.get(Greeter, 'tidy').greet('x'));

    expect(await host.close()).toEqual({ stopped: ['tidy'], failed: [] });

    expect(entries).toContainEqual({
      message: 'torn down',
      fields: { plugin: 'tidy', version: '1.0.0', aborted: true },
    });
    if (mode === 'process') expect(() => process.kill(pid, 0)).toThrow();
  });
});
