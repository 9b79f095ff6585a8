import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPluginError, type Logger, PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { tempDir } from '../helpers/fixtures.js';
import { isolatedHost, testHost } from '../helpers/host.js';
import { recordingLogger, rejection } from '../helpers/outcomes.js';

// Node keeps the first evaluation of an ES module for good: importing a changed entry again
// would run the old code. Inline hosts must run what is on disk now, wherever the change is.

type Options = Parameters<typeof testHost>[0];
type AnyHost = ReturnType<typeof testHost> | ReturnType<typeof isolatedHost>;

const hosts = {
  'a host without isolation': (options?: Options): AnyHost => testHost(options),
  "a host with isolation: 'inline'": (options?: Options): AnyHost => isolatedHost('inline', options),
};

/** A plugin folder (real path, outside the repo) with `files` written into it. */
function plugin(name: string, files: Record<string, string>, main = 'index.js'): string {
  const folder = join(realpathSync(tempDir('plugboard-fresh-')), name);
  const manifest = { name, version: '1.0.0', main, provides: { 'test.greeter': '^1.0.0' } };
  write(folder, { 'plugin.json': JSON.stringify(manifest), ...files });
  return folder;
}

function write(folder: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
}

/** An ES module entry whose greet answers `answer` (an expression; `who` is in scope). */
function esm(answer: string, head = ''): string {
  return `${head}
export default {
  setup: () => ({
    'test.greeter': { language: 'en', greet: (who) => ${answer}, greetLater: async (who) => who },
  }),
};
`;
}

// A host without isolation answers (and throws) synchronously; an isolating one with a Promise.
async function greet(host: AnyHost, name: string): Promise<string> {
  return host.get(Greeter, name).greet('x');
}

async function callError(host: AnyHost, name: string): Promise<PluginError> {
  return rejection(greet(host, name));
}

describe.each(Object.entries(hosts))('inline fresh evaluation, %s', (_label, makeHost) => {
  test('a plugin loaded again after an unload runs the code now on disk', async () => {
    const folder = plugin('again', { 'index.js': esm("'one ' + who") });
    const host = makeHost();
    await host.load(folder);
    expect(await greet(host, 'again')).toBe('one x');

    for (const word of ['two', 'three']) {
      write(folder, { 'index.js': esm(`'${word} ' + who`) });
      await host.unload('again');
      await host.load(folder);
      expect(await greet(host, 'again')).toBe(`${word} x`);
    }
    expect(host.inspect().retainedModules).toBe(0);
  });

  test('a reload runs the new code of a file the entry imports and of a package in its node_modules', async () => {
    const dep = (word: string) => ({
      'node_modules/dep/package.json': JSON.stringify({
        name: 'dep',
        version: '1.0.0',
        type: 'module',
        exports: './index.js',
      }),
      'node_modules/dep/index.js': `export const dep = '${word}';\n`,
    });
    const folder = plugin('imports', {
      'index.js': esm("lib + ' ' + dep + ' ' + who", "import { lib } from './lib.js';\nimport { dep } from 'dep';"),
      'lib.js': "export const lib = 'lib1';\n",
      ...dep('dep1'),
    });
    const host = makeHost();
    await host.load(folder);
    expect(await greet(host, 'imports')).toBe('lib1 dep1 x');

    write(folder, { 'lib.js': "export const lib = 'lib2';\n" });
    await host.reload('imports');
    expect(await greet(host, 'imports')).toBe('lib2 dep1 x');

    write(folder, dep('dep2'));
    await host.reload('imports');
    expect(await greet(host, 'imports')).toBe('lib2 dep2 x');
    expect(host.inspect().retainedModules).toBe(0);
  });

  test('import.meta in a reloaded ES module plugin names its real entry file', async () => {
    const head = "import { readFileSync } from 'node:fs';";
    const where =
      "JSON.stringify({ url: import.meta.url, filename: import.meta.filename, dirname: import.meta.dirname, data: readFileSync(new URL('./data.txt', import.meta.url), 'utf8'), who })";
    const folder = plugin('meta', { 'index.js': esm(where, head), 'data.txt': 'one' });
    const entry = join(folder, 'index.js');
    const expected = (data: string) => ({
      url: pathToFileURL(entry).href,
      filename: entry,
      dirname: folder,
      data,
      who: 'x',
    });
    const host = makeHost();
    await host.load(folder);
    expect(JSON.parse(await greet(host, 'meta'))).toEqual(expected('one'));

    write(folder, { 'index.js': esm(where.replace('who })', "who: who + '!' })"), head), 'data.txt': 'two' });
    await host.reload('meta');

    expect(JSON.parse(await greet(host, 'meta'))).toEqual({ ...expected('two'), who: 'x!' });
  });

  test('a reload gives every module of the plugin its own import.meta, as the first import did', async () => {
    const folder = plugin('modules', {
      'index.js': esm(
        "JSON.stringify({ lib, url: meta.url, resolved: import.meta.resolve('./lib/where.js'), who })",
        "import { lib } from './lib/where.js';\nconst meta = import.meta;",
      ),
      'lib/where.js': 'export const lib = import.meta.url;\n',
    });
    const url = (path: string) => pathToFileURL(join(folder, path)).href;
    const expected = { lib: url('lib/where.js'), url: url('index.js'), resolved: url('lib/where.js'), who: 'x' };
    const host = makeHost();
    await host.load(folder);
    expect(JSON.parse(await greet(host, 'modules'))).toEqual(expected);

    await host.reload('modules');

    expect(JSON.parse(await greet(host, 'modules'))).toEqual(expected);
  });

  test('a package in node_modules that finds its own files through __dirname works after a reload', async () => {
    const folder = plugin('reads-own-files', {
      'index.js': esm("data.word + ' ' + who", "import data from 'reads-data';"),
      'node_modules/reads-data/package.json': JSON.stringify({
        name: 'reads-data',
        version: '1.0.0',
        main: 'index.js',
      }),
      'node_modules/reads-data/index.js':
        "const { readFileSync } = require('node:fs');\nmodule.exports = JSON.parse(readFileSync(require('node:path').join(__dirname, 'data.json'), 'utf8'));\n",
      'node_modules/reads-data/data.json': JSON.stringify({ word: 'one' }),
    });
    const host = makeHost();
    await host.load(folder);
    expect(await greet(host, 'reads-own-files')).toBe('one x');

    write(folder, { 'node_modules/reads-data/data.json': JSON.stringify({ word: 'two' }) });
    await host.reload('reads-own-files');

    expect(await greet(host, 'reads-own-files')).toBe('two x');
  });

  test('a CommonJS plugin that requires plugboard reloads', async () => {
    const cjs = (word: string) => `const { definePlugin } = require('plugboard');
module.exports = definePlugin({
  setup: () => ({
    'test.greeter': { language: 'cjs', greet: (who) => '${word} ' + who + ' ' + __filename, greetLater: async (who) => who },
  }),
});
`;
    const folder = plugin('common', { 'index.cjs': cjs('one') }, 'index.cjs');
    const entry = join(folder, 'index.cjs');
    const host = makeHost();
    await host.load(folder);
    expect(await greet(host, 'common')).toBe(`one x ${entry}`);

    write(folder, { 'index.cjs': cjs('two') });
    await host.reload('common');

    expect(await greet(host, 'common')).toBe(`two x ${entry}`);
    expect(host.inspect().retainedModules).toBe(0);
  });

  test("an error a reloaded plugin throws is the host's PluginError", async () => {
    const throws = (word: string) =>
      esm(
        `{ throw new PluginError('CALL_FAILED', 'refused', { related: ['${word}'] }); }`,
        "import { PluginError } from 'plugboard';",
      );
    const folder = plugin('throws', { 'index.js': throws('one') });
    const host = makeHost();
    await host.load(folder);
    expect(((await callError(host, 'throws')).cause as PluginError).related).toEqual(['one']);

    write(folder, { 'index.js': throws('two') });
    await host.reload('throws');
    const error = await callError(host, 'throws');

    expect(error.code).toBe('CALL_FAILED');
    expect(error.cause).toBeInstanceOf(PluginError);
    expect(isPluginError(error.cause)).toBe(true);
    expect((error.cause as PluginError).related).toEqual(['two']);
  });

  test('a top-level await plugin reloads by a fresh import, counted as retained, with one warning at the threshold', async () => {
    const warnings: unknown[] = [];
    const logger: Logger = { ...recordingLogger().logger, warn: (_message, fields) => warnings.push(fields) };
    const tla = (word: string) => esm("word + ' ' + who", `const word = await Promise.resolve('${word}');`);
    const folder = plugin('waits', { 'index.js': tla('v0') });
    const host = makeHost({ logger, reload: { retainedModulesWarning: 2 } });
    await host.load(folder);
    expect(host.inspect().retainedModules).toBe(0);

    for (const [index, word] of ['v1', 'v2', 'v3'].entries()) {
      write(folder, { 'index.js': tla(word) });
      await host.reload('waits');
      expect(await greet(host, 'waits')).toBe(`${word} x`);
      expect(host.inspect().retainedModules).toBe(index + 1);
      expect(warnings).toHaveLength(index + 1 >= 2 ? 1 : 0);
    }
    expect(warnings).toEqual([expect.objectContaining({ plugin: 'waits' })]);
  });

  test('a reloaded syntax error rejects ENTRY_IMPORT_FAILED, retains nothing, and the old code keeps serving', async () => {
    const folder = plugin('typo', { 'index.js': esm("'one ' + who") });
    const host = makeHost();
    await host.load(folder);

    write(folder, { 'index.js': esm("'two ' + who").replace('setup:', 'setup') });
    const error = await rejection(host.reload('typo'));

    expect(error.code).toBe('ENTRY_IMPORT_FAILED');
    expect(error.path).toBe(join(folder, 'index.js'));
    expect(host.inspect().retainedModules).toBe(0);
    expect(await greet(host, 'typo')).toBe('one x');

    // The same syntax error in a top-level await plugin, which cannot be bundled, retains nothing either.
    write(folder, { 'index.js': `await 0;\n${esm("'three ' + who").replace('setup:', 'setup')}` });
    expect((await rejection(host.reload('typo'))).code).toBe('ENTRY_IMPORT_FAILED');
    expect(host.inspect().retainedModules).toBe(0);
    expect(await greet(host, 'typo')).toBe('one x');
  });

  test('stack traces and errors of a reloaded plugin name its entry file', async () => {
    const folder = plugin('traces', { 'index.js': esm("'one ' + who") });
    const entry = join(folder, 'index.js');
    const host = makeHost();
    await host.load(folder);

    write(folder, { 'index.js': esm("{ throw new Error('boom'); }") });
    await host.reload('traces');
    const error = await callError(host, 'traces');

    expect(error.code).toBe('CALL_FAILED');
    expect(String((error.cause as Error).stack)).toContain(entry);

    write(folder, { 'index.js': `\n\n${esm("'three ' + who").replace('setup:', 'setup')}` });
    const failed = await rejection(host.reload('traces'));
    expect(failed.code).toBe('ENTRY_IMPORT_FAILED');
    expect(String((failed.cause as Error).message)).toContain(`${entry}:5:`);
  });
});
