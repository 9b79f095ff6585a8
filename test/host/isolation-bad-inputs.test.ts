import { join } from 'node:path';
import { isPluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { PLUGIN_SIDE_FAILURES } from '../helpers/bad-plugins.js';
import { Greeter } from '../helpers/contracts.js';
import { pluginsDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';

// The plugin-side failures of test/host/bad-inputs.test.ts, now behind a boundary: the same
// fixture gets the same code in a worker and in a child process as inline.

describe.each(['worker', 'process'] as const)('a bad plugin in %s mode fails with the code it gets inline', (mode) => {
  test.each(PLUGIN_SIDE_FAILURES)('%s → %s', async (fixture, code) => {
    const dir = pluginsDir('good', fixture);
    // Short budgets only where the fixture hangs: a busy machine may take longer to import.
    const budget = code === 'LOAD_TIMEOUT' || code === 'SETUP_TIMEOUT' ? 300 : 10_000;
    const host = isolatedHost(mode, { timeouts: { importMs: budget, setupMs: budget } });

    const report = await host.loadDirectory(dir);

    expect(report.failed).toHaveLength(1);
    const [failure] = report.failed;
    expect(failure?.path).toBe(join(dir, fixture));
    expect(isPluginError(failure?.error)).toBe(true);
    expect(failure?.error.code).toBe(code);
    expect(failure?.error.plugin).toBe(failure?.name);
    expect(report.loaded.map((plugin) => plugin.name)).toEqual(['good']);
    await expect(host.get(Greeter, 'good').greet('ada')).resolves.toBe('hello ada');
  });
});
