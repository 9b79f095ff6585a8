import { join } from 'node:path';
import { createHost, defineContract } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { Greeter } from '../helpers/contracts.js';
import { onCleanup, pluginsDir, tempDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';
import { writeGreeter } from '../helpers/plugins.js';

describe('less common failures, each with its own code', () => {
  test('a plugins directory that does not exist is reported, and other directories still load', async () => {
    const host = testHost();
    const missing = join(tempDir(), 'nope');

    const report = await host.loadDirectory([missing, pluginsDir('good')]);

    expect(report.failed.map((failure) => [failure.path, failure.error.code])).toEqual([
      [missing, 'DIRECTORY_UNREADABLE'],
    ]);
    expect(report.loaded.map((plugin) => plugin.name)).toEqual(['good']);
  });

  test('a teardown that throws is TEARDOWN_FAILED; the plugin is released and close goes on', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'messy', { teardown: "throw new Error('cannot clean up');" });
    writeGreeter(dir, 'tidy');
    const host = testHost();
    await host.loadDirectory(dir);

    const report = await host.close();

    expect(report.failed.map((failure) => [failure.name, failure.error.code])).toEqual([['messy', 'TEARDOWN_FAILED']]);
    expect(report.stopped).toEqual(['tidy']);
  });

  test('a synchronous method whose schema validates asynchronously is SCHEMA_ASYNC', async () => {
    const asyncString = z.string().refine(async (value) => value.length > 0);
    const Slow = defineContract({
      id: 'test.greeter',
      version: '1.2.0',
      methods: {
        greet: { args: z.tuple([asyncString]), result: z.string() },
        greetLater: { args: z.tuple([z.string()]), result: z.string(), async: true },
      },
    });
    const host = createHost({ contracts: [Slow] });
    onCleanup(async () => {
      await host.close();
    });
    await host.loadDirectory(pluginsDir('good'));

    expect(() => host.get(Slow, 'good').greet('ada')).toThrow(expect.objectContaining({ code: 'SCHEMA_ASYNC' }));
  });

  test('an async method may use an async schema', async () => {
    const asyncString = z.string().refine(async (value) => value.length > 0);
    const Fine = defineContract({
      id: 'test.greeter',
      version: '1.2.0',
      methods: {
        greet: { args: z.tuple([z.string()]), result: z.string() },
        greetLater: { args: z.tuple([asyncString]), result: z.string(), async: true },
      },
    });
    const host = createHost({ contracts: [Fine] });
    onCleanup(async () => {
      await host.close();
    });
    await host.loadDirectory(pluginsDir('good'));

    await expect(host.get(Fine, 'good').greetLater('ada')).resolves.toBe('hello later ada');
    await expect(host.get(Fine, 'good').greetLater('')).rejects.toMatchObject({ code: 'CALL_ARGS_INVALID' });
  });

  test('ctx.use of a contract the host does not declare is CONTRACT_UNKNOWN', async () => {
    const dir = tempDir();
    writeGreeter(dir, 'strange', { requires: { other: '^1.0.0' }, setup: "ctx.use('test.other', 'other');" });
    writeGreeter(dir, 'other');
    const host = testHost();

    const report = await host.loadDirectory(dir);

    const failure = report.failed.find((f) => f.name === 'strange');
    expect(failure?.error).toMatchObject({ code: 'SETUP_FAILED', cause: { code: 'CONTRACT_UNKNOWN' } });
    expect(host.get(Greeter, 'other').greet('x')).toBe('other greets x');
  });

  test('two contracts with one id are refused when the host is created', () => {
    expect(() => createHost({ contracts: [Greeter, Greeter] })).toThrow(
      expect.objectContaining({ code: 'CONTRACT_DEFINITION_INVALID' }),
    );
  });
});
