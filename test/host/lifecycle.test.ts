import { join } from 'node:path';
import type { TransitionEvent } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { fixturesDir, pluginsDir, tempDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';
import { writeGreeter } from '../helpers/plugins.js';

function transitions(host: ReturnType<typeof testHost>): string[] {
  const seen: string[] = [];
  host.on('transition', (event: TransitionEvent) => seen.push(`${event.plugin.name}:${event.from ?? '-'}→${event.to}`));
  return seen;
}

describe('lifecycle', () => {
  test('a plugin goes discovered → resolved → starting → active, and active → stopping → stopped on close', async () => {
    const host = testHost();
    const seen = transitions(host);

    await host.load(join(fixturesDir, 'good'));
    await host.close();

    expect(seen).toEqual([
      'good:-→discovered',
      'good:discovered→resolved',
      'good:resolved→starting',
      'good:starting→active',
      'good:active→stopping',
      'good:stopping→stopped',
    ]);
  });

  test('each state has its own typed event, and every listener registration returns a disposer', async () => {
    const host = testHost();
    const failed: TransitionEvent[] = [];
    const dispose = host.on('failed', (event) => failed.push(event));

    await host.loadDirectory(pluginsDir('throws-in-setup'));
    dispose();
    await host.loadDirectory(pluginsDir('throws-on-import'));

    expect(failed.map((event) => [event.plugin.name, event.from, event.error?.code])).toEqual([
      ['throws-in-setup', 'starting', 'SETUP_FAILED'],
    ]);
  });

  test('a plugin rejected before it has a record is reported by a failed event too', async () => {
    const host = testHost();
    const failed: TransitionEvent[] = [];
    host.on('failed', (event) => failed.push(event));

    await host.loadDirectory(pluginsDir('malformed-json'));

    expect(failed.map((event) => [event.plugin.name, event.from, event.error?.code])).toEqual([
      ['malformed-json', undefined, 'MANIFEST_MALFORMED_JSON'],
    ]);
  });

  test('a listener that throws is logged and does not stop the load', async () => {
    const logged: string[] = [];
    const host = testHost({
      logger: { debug() {}, info() {}, warn() {}, error: (message) => logged.push(message) },
    });
    host.on('active', () => {
      throw new Error('listener bug');
    });

    await host.loadDirectory(pluginsDir('good'));

    expect(host.get(Greeter, 'good').greet('x')).toBe('hello x');
    expect(logged).toEqual(['a "active" listener threw']);
  });

  test('load(path) resolves with the plugin, rejects with its PluginError, and shares one promise per folder', async () => {
    const host = testHost();
    const path = join(fixturesDir, 'good');

    const [first, second] = await Promise.all([host.load(path), host.load(path)]);
    expect(first).toBe(second);
    expect(first.state).toBe('active');
    await expect(host.load(join(fixturesDir, 'throws-in-setup'))).rejects.toMatchObject({ code: 'SETUP_FAILED' });
    await expect(host.load(path)).rejects.toMatchObject({ code: 'DUPLICATE_NAME' });
  });

  test('a plugin that failed can be loaded again once fixed', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'flaky', { setup: "throw new Error('not yet');" });
    const host = testHost();
    await expect(host.load(join(dir, 'flaky'))).rejects.toMatchObject({ code: 'SETUP_FAILED' });

    const fixed = tempDir();
    writeGreeter(fixed, 'flaky');
    await host.load(join(fixed, 'flaky'));

    expect(host.get(Greeter, 'flaky').greet('x')).toBe('flaky greets x');
  });

  test('ctx carries the name, version, config, a logger tagged with the plugin, and a signal aborted at stop', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'curious', {
      setup: `
        ctx.logger.info('hello', { extra: 1 });
        globalThis.__curiousSignal = ctx.signal;`,
      greet: '() => JSON.stringify({ name: ctx.name, version: ctx.version, config: ctx.config })',
    });
    const entries: unknown[] = [];
    const log = (message: string, fields?: Record<string, unknown>) => entries.push([message, fields]);
    const host = testHost({
      logger: { debug() {}, info: log, warn: log, error: log },
      config: { curious: { colour: 'blue' } },
    });

    await host.loadDirectory(dir);
    const signal = (globalThis as { __curiousSignal?: AbortSignal }).__curiousSignal;

    expect(JSON.parse(host.get(Greeter, 'curious').greet('x'))).toEqual({
      name: 'curious',
      version: '1.0.0',
      config: { colour: 'blue' },
    });
    expect(entries).toContainEqual(['hello', { plugin: 'curious', version: '1.0.0', extra: 1 }]);
    expect(signal?.aborted).toBe(false);
    await host.unload('curious');
    expect(signal?.aborted).toBe(true);
  });
});

describe('close', () => {
  test('stops plugins in reverse dependency order, each teardown once', async () => {
    const dir = tempDir();
    const teardown = (name: string) => `(globalThis.__stopped ??= []).push(${JSON.stringify(name)});`;
    writeGreeter(dir, 'a-top', { requires: { 'b-middle': '^1.0.0' }, teardown: teardown('a-top') });
    writeGreeter(dir, 'b-middle', { requires: { 'c-base': '^1.0.0' }, teardown: teardown('b-middle') });
    writeGreeter(dir, 'c-base', { teardown: teardown('c-base') });
    const host = testHost();
    await host.loadDirectory(dir);

    const report = await host.close();

    expect((globalThis as { __stopped?: string[] }).__stopped).toEqual(['a-top', 'b-middle', 'c-base']);
    expect(report.stopped).toEqual(['a-top', 'b-middle', 'c-base']);
  });

  test('a teardown that never resolves is TEARDOWN_TIMEOUT; close still finishes and stops the rest', async () => {
    const host = testHost({ timeouts: { teardownMs: 50 } });
    await host.loadDirectory(pluginsDir('good', 'hangs-in-teardown'));

    const report = await host.close();

    expect(report.stopped).toEqual(['good']);
    expect(report.failed.map((failure) => [failure.name, failure.error.code])).toEqual([
      ['hangs-in-teardown', 'TEARDOWN_TIMEOUT'],
    ]);
    expect(host.list().find((p) => p.name === 'hangs-in-teardown')?.state).toBe('failed');
  });

  test('after close every entry point says HOST_CLOSED, and close() is idempotent', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good'));
    const good = host.get(Greeter, 'good');

    const [first, second] = [host.close(), host.close()];
    expect(first).toBe(second);
    await first;
    expect(() => host.get(Greeter, 'good')).toThrow(expect.objectContaining({ code: 'HOST_CLOSED' }));
    await expect(host.loadDirectory(pluginsDir('good'))).rejects.toMatchObject({ code: 'HOST_CLOSED' });
    expect(() => good.greet('x')).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_ACTIVE' }));
  });

  test('await using closes the host at the end of the scope', async () => {
    const dir = pluginsDir('good');
    let kept: ReturnType<typeof testHost> | undefined;
    {
      await using host = testHost();
      await host.loadDirectory(dir);
      kept = host;
    }
    expect(kept.inspect().closed).toBe(true);
    expect(kept.list()[0]?.state).toBe('stopped');
  });
});
