import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { pluginsDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';

describe('inspect()', () => {
  test('snapshots every plugin: state, version, contracts, last error, counts and latency', async () => {
    const host = testHost({ version: '3.1.0' });
    await host.loadDirectory(pluginsDir('good', 'throws-in-setup', 'throws-on-call'));
    const good = host.get(Greeter, 'good');
    for (let i = 0; i < 200; i++) good.greet('x');
    await good.greetLater('x');
    expect(() => host.get(Greeter, 'throws-on-call').greet('x')).toThrow();

    const snapshot = host.inspect();

    expect(snapshot.version).toBe('3.1.0');
    expect(snapshot.closed).toBe(false);
    expect(snapshot.contracts).toEqual([
      { id: 'test.greeter', version: '1.2.0', providers: ['good', 'throws-on-call'], hasDefault: false },
    ]);
    const byName = Object.fromEntries(snapshot.plugins.map((plugin) => [plugin.name, plugin]));
    expect(byName.good).toMatchObject({
      state: 'active',
      version: '1.0.0',
      provides: { 'test.greeter': '^1.0.0' },
      calls: 201,
      errors: 0,
      inFlight: 0,
      error: undefined,
    });
    // 3 sampled synchronous calls (one in 64) and the async one.
    expect(byName.good?.latencyMs.samples).toBe(4);
    expect(byName.good?.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(byName.good?.latencyMs.p99).toBeGreaterThanOrEqual(byName.good?.latencyMs.p50 ?? 0);
    expect(byName.good?.loadMs).toBeGreaterThan(0);
    expect(byName['throws-in-setup']).toMatchObject({ state: 'failed', calls: 0 });
    expect(byName['throws-in-setup']?.error?.code).toBe('SETUP_FAILED');
    expect(byName['throws-on-call']).toMatchObject({ calls: 1, errors: 1 });
  });
});
