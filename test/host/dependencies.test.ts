import type { TransitionEvent } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';
import { writeGreeter } from '../helpers/plugins.js';

function record(host: ReturnType<typeof testHost>): string[] {
  const seen: string[] = [];
  host.on('transition', (event: TransitionEvent) => seen.push(`${event.plugin.name}:${event.to}`));
  return seen;
}

describe('start order and requirements', () => {
  test('a plugin starts only after the plugins it requires are active, whatever the folder order', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'a-consumer', {
      requires: { 'z-base': '^1.0.0' },
      greet: "(who) => ctx.use('test.greeter', 'z-base').greet(who) + '!'",
    });
    writeGreeter(dir, 'z-base');
    const host = testHost();
    const seen = record(host);

    await host.loadDirectory(dir);

    expect(seen.indexOf('a-consumer:starting')).toBeGreaterThan(seen.indexOf('z-base:active'));
    expect(host.get(Greeter, 'a-consumer').greet('ada')).toBe('z-base greets ada!');
  });

  test('a contract requirement waits for a provider of the contract', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'a-user', {
      requires: { 'test.greeter': '^1.0.0' },
      greet: "(who) => ctx.use('test.greeter').greet(who)",
    });
    writeGreeter(dir, 'b-provider');
    const host = testHost();
    const seen = record(host);

    await host.loadDirectory(dir);

    expect(seen.indexOf('a-user:starting')).toBeGreaterThan(seen.indexOf('b-provider:active'));
    expect(host.get(Greeter, 'a-user').greet('ada')).toBe('b-provider greets ada');
  });

  test('plugins that depend on a failed one fail with DEPENDENCY_FAILED naming it; the others start', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'base', { setup: "throw new Error('no');" });
    writeGreeter(dir, 'middle', { requires: { base: '^1.0.0' } });
    writeGreeter(dir, 'top', { requires: { middle: '^1.0.0' } });
    writeGreeter(dir, 'bystander');
    const host = testHost();

    const report = await host.loadDirectory(dir);

    expect(Object.fromEntries(report.failed.map((f) => [f.name, [f.error.code, ...f.error.related]]))).toEqual({
      base: ['SETUP_FAILED'],
      middle: ['DEPENDENCY_FAILED', 'base'],
      top: ['DEPENDENCY_FAILED', 'middle'],
    });
    expect(report.loaded.map((p) => p.name)).toEqual(['bystander']);
  });

  test('a missing dependency names the plugin that is missing', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'needy', { requires: { ghost: '^1.0.0' } });
    const host = testHost();

    const [failure] = (await host.loadDirectory(dir)).failed;

    expect([failure?.error.code, failure?.error.related]).toEqual(['DEPENDENCY_MISSING', ['ghost']]);
  });

  test('a requirement met by a plugin loaded earlier counts', async () => {
    const first = tempDir();
    const second = tempDir();
    writeGreeter(first, 'base');
    writeGreeter(second, 'needs-base', { requires: { base: '^1.0.0' } });
    const host = testHost();

    await host.loadDirectory(first);
    const report = await host.loadDirectory(second);

    expect(report.loaded.map((p) => p.name)).toEqual(['needs-base']);
  });

  test('ctx.use of something the manifest does not require is USE_UNDECLARED', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'base');
    writeGreeter(dir, 'sneaky', { setup: "ctx.use('test.greeter', 'base');" });
    const host = testHost();

    const report = await host.loadDirectory(dir);

    expect(report.failed.map((f) => [f.name, f.error.code, (f.error.cause as { code?: string }).code])).toEqual([
      ['sneaky', 'SETUP_FAILED', 'USE_UNDECLARED'],
    ]);
  });

  test('unload refuses while others depend on the plugin, and cascades when asked', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'base');
    writeGreeter(dir, 'user', { requires: { base: '^1.0.0' } });
    const host = testHost();
    await host.loadDirectory(dir);

    await expect(host.unload('base')).rejects.toMatchObject({ code: 'PLUGIN_HAS_DEPENDENTS', related: ['user'] });
    expect(host.list().map((p) => p.state)).toEqual(['active', 'active']);

    const seen = record(host);
    await host.unload('base', { cascade: true });
    expect(seen).toEqual(['user:stopping', 'user:stopped', 'base:stopping', 'base:stopped']);
    expect(host.list()).toEqual([]);
  });

  test('unloading one of two providers of a required contract leaves the requirer alone', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'one');
    writeGreeter(dir, 'two');
    writeGreeter(dir, 'user', { requires: { 'test.greeter': '^1.0.0' } });
    const host = testHost();
    await host.loadDirectory(dir);

    await host.unload('one');

    expect(host.list().map((p) => `${p.name}:${p.state}`)).toEqual(['two:active', 'user:active']);
  });
});
