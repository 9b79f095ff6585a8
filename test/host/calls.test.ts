import { join } from 'node:path';
import { isPluginError, type PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { pluginsDir, tempDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';
import { writeGreeter } from '../helpers/plugins.js';

function thrown(fn: () => unknown): PluginError {
  try {
    fn();
  } catch (error) {
    if (isPluginError(error)) return error;
    throw new Error(`expected a PluginError, got ${String(error)}`);
  }
  throw new Error('expected a throw');
}

describe('calls through the host', () => {
  test('a synchronous method answers synchronously, metadata reads as fields', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good'));
    const good = host.get(Greeter, 'good');

    expect(good.language).toBe('en');
    expect(good.greet('ada')).toBe('hello ada');
    await expect(good.greetLater('ada')).resolves.toBe('hello later ada');
  });

  test.each([true, false])(
    'a method is called on its implementation object, so `this` works (validate: %s)',
    async (validate) => {
      const dir = tempDir();
      writeGreeter(dir, 'uses-this', { greet: "function (who) { return this.language + ':' + who; }" });
      const host = testHost({ validate });
      await host.loadDirectory(dir);

      expect(host.get(Greeter, 'uses-this').greet('ada')).toBe('uses-this:ada');
    },
  );

  test('a call returning the wrong type is CALL_RESULT_INVALID naming plugin, version and method', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good', 'wrong-return'));
    const plugin = host.get(Greeter, 'wrong-return');

    const error = thrown(() => plugin.greet('ada'));
    expect(error.code).toBe('CALL_RESULT_INVALID');
    expect(error.issues.map((issue) => issue.code)).toEqual(['CALL_RESULT_INVALID']);
    expect([error.plugin, error.version, error.contract, error.method]).toEqual([
      'wrong-return',
      '1.0.0',
      'test.greeter',
      'greet',
    ]);
    await expect(plugin.greetLater('ada')).rejects.toMatchObject({ code: 'CALL_RESULT_INVALID', method: 'greetLater' });
    expect(host.get(Greeter, 'good').greet('ada')).toBe('hello ada');
  });

  test('a call that throws is CALL_FAILED with the original error as cause', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good', 'throws-on-call'));
    const plugin = host.get(Greeter, 'throws-on-call');

    const error = thrown(() => plugin.greet('ada'));
    expect(error.code).toBe('CALL_FAILED');
    expect((error.cause as Error).message).toBe('boom on call');
    await expect(plugin.greetLater('ada')).rejects.toMatchObject({ code: 'CALL_FAILED', plugin: 'throws-on-call' });
    expect(host.get(Greeter, 'good').greet('ada')).toBe('hello ada');
    expect(host.list().map((p) => p.state)).toEqual(['active', 'active']);
  });

  test('an async call that never settles is CALL_TIMEOUT after the per-call budget', async () => {
    const host = testHost({ timeouts: { callMs: 50 } });
    await host.loadDirectory(pluginsDir('hangs-on-call', 'good'));

    await expect(host.get(Greeter, 'hangs-on-call').greetLater('ada')).rejects.toMatchObject({ code: 'CALL_TIMEOUT' });
    expect(host.get(Greeter, 'good').greet('ada')).toBe('hello ada');
    expect(host.inspect().plugins.find((p) => p.name === 'hangs-on-call')?.errors).toBe(1);
  });

  test('arguments are validated: a wrong argument is CALL_ARGS_INVALID and never reaches the plugin', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good'));
    const good = host.get(Greeter, 'good') as unknown as { greet(name: unknown): string };

    const error = thrown(() => good.greet(42));
    expect(error.code).toBe('CALL_ARGS_INVALID');
    expect(error.issues[0]?.path).toBe('0');
    expect(host.inspect().plugins[0]?.errors).toBe(0);
  });

  test('with validation off, values pass unchecked', async () => {
    const host = testHost({ validate: false });
    await host.loadDirectory(pluginsDir('wrong-return'));

    expect(host.get(Greeter, 'wrong-return').greet('ada')).toBe(42);
  });

  test('asking for a plugin that is not loaded, or does not provide the contract, says which', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good', 'throws-in-setup'));

    expect(thrown(() => host.get(Greeter, 'nope')).code).toBe('PLUGIN_NOT_FOUND');
    expect(thrown(() => host.get(Greeter, 'throws-in-setup')).code).toBe('PLUGIN_NOT_ACTIVE');
  });

  test('a handle kept after unload answers PLUGIN_NOT_FOUND, and follows a plugin loaded again under the name', async () => {
    const dir = pluginsDir('good');
    const host = testHost();
    await host.loadDirectory(dir);
    const good = host.get(Greeter, 'good');

    await host.unload('good');
    expect(thrown(() => good.greet('ada')).code).toBe('PLUGIN_NOT_FOUND');

    await host.loadDirectory(dir);
    expect(good.greet('ada')).toBe('hello ada');
  });

  test('with validation off too, a kept handle follows unload and load, and says why nothing serves', async () => {
    const dir = pluginsDir('good', 'throws-on-call');
    const host = testHost({ validate: false });
    await host.loadDirectory(dir);
    const good = host.get(Greeter, 'good');
    const first = host.get(Greeter);
    expect(good.greet('ada')).toBe('hello ada');

    await host.unload('good');
    expect(thrown(() => good.greet('ada')).code).toBe('PLUGIN_NOT_FOUND');
    expect(thrown(() => first.greet('ada')).code).toBe('CALL_FAILED'); // now served by throws-on-call

    await host.load(join(dir, 'good'));
    expect(good.greet('ada')).toBe('hello ada');
    expect(host.inspect().plugins.find((p) => p.name === 'good')?.calls).toBe(1);
  });

  test('get() without a name serves the first active provider; all() gives every provider', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good', 'package-json'));

    expect(host.get(Greeter).greet('ada')).toBe('hello ada');
    expect(host.all(Greeter).map((api) => api.greet('x'))).toEqual(['hello x', 'hello x']);
    expect(host.all(Greeter)).toHaveLength(2);
  });

  test('a contract the host was not created with is refused', async () => {
    const { defineContract } = await import('plugboard');
    const { z } = await import('zod');
    const Other = defineContract({
      id: 'test.other',
      version: '1.0.0',
      methods: { f: { args: z.tuple([]), result: z.number() } },
    });
    const host = testHost();

    // @ts-expect-error the host does not declare test.other
    expect(thrown(() => host.get(Other)).code).toBe('CONTRACT_UNKNOWN');
  });

  test('counts calls and errors per plugin', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good', 'throws-on-call'));
    const plugin = host.get(Greeter, 'throws-on-call');
    for (let i = 0; i < 3; i++) thrown(() => plugin.greet('x'));

    const snapshot = host.inspect().plugins.find((p) => p.name === 'throws-on-call');
    expect([snapshot?.calls, snapshot?.errors]).toEqual([3, 3]);
  });
});
