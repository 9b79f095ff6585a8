import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { pluginsDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';

const fallback = {
  language: 'default',
  greet: (name: string) => `default hello ${name}`,
  greetLater: async (name: string) => name,
};

describe('default implementations', () => {
  test('serve while no active plugin provides the contract, and step aside when one does', async () => {
    const host = testHost();
    const dispose = host.provide(Greeter, fallback);
    const greeter = host.get(Greeter);

    expect(greeter.greet('ada')).toBe('default hello ada');
    expect(host.all(Greeter).map((api) => api.language)).toEqual(['default']);

    await host.loadDirectory(pluginsDir('good'));
    expect(greeter.greet('ada')).toBe('hello ada');

    await host.unload('good');
    expect(greeter.greet('ada')).toBe('default hello ada');

    dispose();
    expect(() => greeter.greet('ada')).toThrow(expect.objectContaining({ code: 'CONTRACT_NOT_PROVIDED' }));
  });

  test('take over when the only provider fails to start', async () => {
    const host = testHost();
    host.provide(Greeter, fallback);

    await host.loadDirectory(pluginsDir('throws-in-setup'));

    expect(host.get(Greeter).greet('ada')).toBe('default hello ada');
  });

  test('meet a contract requirement', async () => {
    const host = testHost();
    host.provide(Greeter, fallback);

    const report = await host.loadDirectory(pluginsDir('good'));

    expect(report.failed).toEqual([]);
  });

  test('are checked against the contract like a plugin', () => {
    const host = testHost();

    // @ts-expect-error greetLater is missing
    expect(() => host.provide(Greeter, { language: 'x', greet: (n: string) => n })).toThrow(
      expect.objectContaining({ code: 'METHOD_MISSING' }),
    );
    // @ts-expect-error language must be a string
    expect(() => host.provide(Greeter, { ...fallback, language: 1 })).toThrow(
      expect.objectContaining({ code: 'META_INVALID' }),
    );
  });

  test('without a provider or default, get() says CONTRACT_NOT_PROVIDED', () => {
    const host = testHost();

    expect(() => host.get(Greeter)).toThrow(expect.objectContaining({ code: 'CONTRACT_NOT_PROVIDED' }));
  });
});
