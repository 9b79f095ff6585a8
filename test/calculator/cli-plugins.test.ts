import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { copyBundledPlugins, lines, pluginsFolder, runCli, writePlugin } from './helpers.js';

// `--plugins DIR` replaces the bundled folder; everything the parser knows comes from what loads there.

describe('calc --plugins', () => {
  test('a copy of the bundled plugins anywhere on disk, with no node_modules or package.json, loads', async () => {
    const plugins = copyBundledPlugins();
    const { code, stdout, stderr } = await runCli(['--plugins', plugins, '-2 ^ 2 + 10 / 4 * 2 - 7 % 4']);
    expect(stderr).toBe('');
    expect({ code, stdout }).toEqual({ code: 0, stdout: '-2\n' });
  });

  test('replaces the bundled folder: only the operators found there exist', async () => {
    const plugins = copyBundledPlugins({ only: ['divide'] });
    const { code, stderr } = await runCli(['--json', '--plugins', plugins, '6 * 2']);
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toMatchObject({
      error: { code: 'UNKNOWN_OPERATOR', operator: '*', message: expect.stringContaining('available: /') },
    });
  });

  test('broken plugins are reported on stderr, one line each with their code, and the rest still work', async () => {
    const plugins = copyBundledPlugins();
    writePlugin(plugins, 'bad-json', '{ "name": ');
    writePlugin(
      plugins,
      'throws-in-setup',
      { name: 'throws-in-setup', version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } },
      'export default { setup() { throw new Error("boom"); } };\n',
    );
    const { code, stdout, stderr } = await runCli(['--plugins', plugins, '2 + 3 * 4']);

    expect({ code, stdout }).toEqual({ code: 0, stdout: '14\n' });
    const reported = lines(stderr);
    expect(reported).toHaveLength(2);
    expect(reported.find((line) => line.includes('bad-json'))).toContain('MANIFEST_MALFORMED_JSON');
    expect(reported.find((line) => line.includes('throws-in-setup'))).toContain('SETUP_FAILED');
  });

  test('in --json mode each broken plugin is one JSON line with its code', async () => {
    const plugins = copyBundledPlugins();
    writePlugin(plugins, 'bad-json', '{ "name": ');
    const { code, stdout, stderr } = await runCli(['--json', '--plugins', plugins, '1 + 1']);

    expect({ code, stdout }).toEqual({ code: 0, stdout: '{"expression":"1 + 1","result":2}\n' });
    expect(lines(stderr).map((line) => JSON.parse(line))).toMatchObject([
      { failure: { plugin: 'bad-json', code: 'MANIFEST_MALFORMED_JSON' } },
    ]);
  });

  test('the precedence of unary minus comes from its plugin: -2 ^ 2 changes with it', async () => {
    const plugins = copyBundledPlugins();
    const negate = join(plugins, 'negate', 'index.js');
    const source = readFileSync(negate, 'utf8');
    expect(source).toContain('precedence: 3,');
    writeFileSync(negate, source.replace('precedence: 3,', 'precedence: 5,'));

    const bound = await runCli(['--plugins', plugins, '-2 ^ 2']);
    expect({ code: bound.code, stdout: bound.stdout }).toEqual({ code: 0, stdout: '4\n' });
  });

  test('repeated --plugins folders load together', async () => {
    const extra = pluginsFolder();
    writePlugin(
      extra,
      'mod',
      { name: 'mod', version: '2.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } },
      `export default { setup: () => ({ 'calc.operation': { symbol: 'mod', precedence: 2, associativity: 'left', arity: 2, execute: (a, b) => a % b } }) };\n`,
    );
    const bundled = copyBundledPlugins({ only: ['power'] });
    const { code, stdout } = await runCli(['--plugins', bundled, '--plugins', extra, '2 ^ 5 mod 7']);
    expect({ code, stdout }).toEqual({ code: 0, stdout: '4\n' });
  });
});
