import { join } from 'node:path';
import { isPluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/fixtures.js';
import { bundledPlugins, copyBundledPlugins, rejectionOf, testCalculator, writePlugin } from './helpers.js';

const OPERATOR_MANIFEST = { version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } };

function operatorPlugin(symbol: string, precedence: number, arity: 1 | 2, body: string): string {
  return `export default { setup: () => ({ 'calc.operation': { symbol: ${JSON.stringify(symbol)}, precedence: ${precedence}, associativity: 'left', arity: ${arity}, execute: ${body} } }) };\n`;
}

describe('createCalculator over the bundled plugins', () => {
  test.each([
    ['2 + 3 * 4', 14],
    ['2 ^ 3 ^ 2', 512],
    ['(1 + 2) * 3', 9],
    ['-2 ^ 2', -4],
    ['2 ^ -1', 0.5],
    ['7 % 4 - 10 / 4', 0.5],
    ['1.5e3 + .5 + 2.', 1502.5],
    ['2.5E-1 * 4', 1],
  ])('%s = %d', async (expression, value) => {
    const calculator = await testCalculator();
    await expect(calculator.evaluate(expression)).resolves.toBe(value);
  });

  test('has every bundled operator, each with its plugin and version', async () => {
    const calculator = await testCalculator();
    expect(calculator.failures).toEqual([]);
    expect(
      calculator.operators().map(({ symbol, arity, precedence, associativity, plugin, version }) => ({
        symbol,
        arity,
        precedence,
        associativity,
        plugin,
        version,
      })),
    ).toEqual([
      { symbol: '%', arity: 2, precedence: 2, associativity: 'left', plugin: 'modulo', version: '1.0.0' },
      { symbol: '*', arity: 2, precedence: 2, associativity: 'left', plugin: 'multiply', version: '1.0.0' },
      { symbol: '+', arity: 2, precedence: 1, associativity: 'left', plugin: 'add', version: '1.0.0' },
      { symbol: '-', arity: 1, precedence: 3, associativity: 'right', plugin: 'negate', version: '1.0.0' },
      { symbol: '-', arity: 2, precedence: 1, associativity: 'left', plugin: 'subtract', version: '1.0.0' },
      { symbol: '/', arity: 2, precedence: 2, associativity: 'left', plugin: 'divide', version: '1.0.0' },
      { symbol: '^', arity: 2, precedence: 4, associativity: 'right', plugin: 'power', version: '1.0.0' },
    ]);
  });

  test("division by zero is the divide plugin's error, not Infinity", async () => {
    const calculator = await testCalculator();
    const error = await rejectionOf(calculator.evaluate('1 / (2 - 2)'));
    expect(error).toMatchObject({ code: 'OPERATOR_FAILED', column: 3, operator: '/' });
    expect(isPluginError(error.cause) && error.cause.code).toBe('CALL_FAILED');
    expect(isPluginError(error.cause) && error.cause.plugin).toBe('divide');
    expect(error.message).toContain('division by zero');
  });

  test('a result that is not a finite number is an error', async () => {
    const calculator = await testCalculator();
    const error = await rejectionOf(calculator.evaluate('10 ^ 400'));
    expect(error).toMatchObject({ code: 'OPERATOR_FAILED', operator: '^' });
    expect(isPluginError(error.cause) && error.cause.code).toBe('CALL_RESULT_INVALID');
  });

  test('an unknown operator is UNKNOWN_OPERATOR, listing the loaded symbols', async () => {
    const calculator = await testCalculator();
    const error = await rejectionOf(calculator.evaluate('2 & 3'));
    expect(error).toMatchObject({ code: 'UNKNOWN_OPERATOR', column: 3, operator: '&' });
    expect(error.message).toContain('available: % * + - / ^');
  });

  test('closing stops every plugin; an operator used afterwards fails', async () => {
    const calculator = await testCalculator();
    expect(await calculator.close()).toEqual([]);
    const error = await rejectionOf(calculator.evaluate('1 + 1'));
    expect(error.code).toBe('OPERATOR_FAILED');
    expect(isPluginError(error.cause) && error.cause.code).toBe('PLUGIN_NOT_ACTIVE');
  });
});

describe('createCalculator over other plugin folders', () => {
  test('loads a copy of the bundled plugins from outside the repository, with no node_modules', async () => {
    const calculator = await testCalculator({ pluginDirs: [copyBundledPlugins()] });
    expect(calculator.failures).toEqual([]);
    expect(calculator.operators()).toHaveLength(7);
    await expect(calculator.evaluate('-2 ^ 2 + 2 * 3')).resolves.toBe(2);
  });

  test('keeps the good plugins when some are broken, reporting each broken one with its code', async () => {
    const plugins = copyBundledPlugins();
    writePlugin(plugins, 'bad-json', '{ "name": ');
    writePlugin(
      plugins,
      'throws-in-setup',
      { name: 'throws-in-setup', ...OPERATOR_MANIFEST },
      'export default { setup() { throw new Error("boom"); } };\n',
    );
    const calculator = await testCalculator({ pluginDirs: [plugins] });

    expect(calculator.failures.map(({ plugin, code }) => ({ plugin, code }))).toEqual([
      { plugin: 'bad-json', code: 'MANIFEST_MALFORMED_JSON' },
      { plugin: 'throws-in-setup', code: 'SETUP_FAILED' },
    ]);
    await expect(calculator.evaluate('2 + 3 * 4')).resolves.toBe(14);
  });

  test('a word symbol from a plugin works like any other operator', async () => {
    const plugins = tempDir('calculator-test-');
    writePlugin(plugins, 'mod', { name: 'mod', ...OPERATOR_MANIFEST }, operatorPlugin('mod', 2, 2, '(a, b) => a % b'));
    writePlugin(plugins, 'add', { name: 'add', ...OPERATOR_MANIFEST }, operatorPlugin('+', 1, 2, '(a, b) => a + b'));
    const calculator = await testCalculator({ pluginDirs: [plugins] });
    await expect(calculator.evaluate('1 + 17 mod 5')).resolves.toBe(3);
    await expect(calculator.evaluate('17mod5')).resolves.toBe(2);
  });

  test('a second operator with the same symbol and arity is reported as OPERATOR_CONFLICT; the first stays', async () => {
    const plugins = tempDir('calculator-test-');
    writePlugin(
      plugins,
      'a-plus',
      { name: 'a-plus', ...OPERATOR_MANIFEST },
      operatorPlugin('+', 1, 2, '(a, b) => a + b'),
    );
    writePlugin(
      plugins,
      'b-plus',
      { name: 'b-plus', ...OPERATOR_MANIFEST },
      operatorPlugin('+', 1, 2, '(a, b) => a * b'),
    );
    const calculator = await testCalculator({ pluginDirs: [plugins] });
    expect(calculator.failures).toMatchObject([
      { plugin: 'b-plus', code: 'OPERATOR_CONFLICT', path: join(plugins, 'b-plus') },
    ]);
    await expect(calculator.evaluate('2 + 3')).resolves.toBe(5);
  });

  test('several folders load together', async () => {
    const plugins = tempDir('calculator-test-');
    writePlugin(plugins, 'mod', { name: 'mod', ...OPERATOR_MANIFEST }, operatorPlugin('mod', 2, 2, '(a, b) => a % b'));
    const calculator = await testCalculator({ pluginDirs: [bundledPlugins, plugins] });
    await expect(calculator.evaluate('2 ^ 3 mod 5')).resolves.toBe(3);
  });
});
