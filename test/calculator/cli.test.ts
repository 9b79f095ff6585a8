import { describe, expect, test } from 'vitest';
import { lines, runCli } from './helpers.js';

// The real CLI, spawned as `npm run calc` runs it. Parsing details are pinned in parse.test.ts.

describe('calc EXPRESSION', () => {
  test.each([
    ['2 + 3 * 4', '14'],
    ['2 ^ 3 ^ 2', '512'],
    ['(1 + 2) * 3', '9'],
    ['-2 ^ 2', '-4'],
    ['2 ^ -1', '0.5'],
    ['1.5e3 + .5', '1500.5'],
    ['2. * 1E-3 + 0.1 + 0.2', '0.30200000000000005'],
  ])('%s prints %s', async (expression, printed) => {
    const { code, stdout, stderr } = await runCli([expression]);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `${printed}\n`, stderr: '' });
  });

  test('joins several words into one expression', async () => {
    const { code, stdout } = await runCli(['2', '+', '3', '*', '4']);
    expect({ code, stdout }).toEqual({ code: 0, stdout: '14\n' });
  });

  test('an unknown operator names it and the available ones, on stderr, with exit 1', async () => {
    const { code, stdout, stderr } = await runCli(['2 & 3']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown operator `&` at column 3; available: % * + - / ^');
  });

  test('division by zero is an error with exit 1, not Infinity', async () => {
    const { code, stdout, stderr } = await runCli(['1 / (3 - 3)']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('division by zero');
    expect(stderr).not.toContain('Infinity');
  });

  test.each([
    ['', 'SYNTAX', 1],
    ['2 +', 'SYNTAX', 4],
    ['1 + 2)', 'SYNTAX', 6],
  ])('%j is a syntax error: exit 1, code and column in --json', async (expression, errorCode, column) => {
    const { code, stdout, stderr } = await runCli(['--json', expression]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(JSON.parse(stderr)).toMatchObject({ expression, error: { code: errorCode, column } });
  });

  test('--json prints the expression and its result', async () => {
    const { code, stdout } = await runCli(['--json', '2 + 3 * 4']);
    expect(code).toBe(0);
    expect(stdout).toBe('{"expression":"2 + 3 * 4","result":14}\n');
  });

  test('--json prints an error as JSON on stderr, with exit 1', async () => {
    const { code, stdout, stderr } = await runCli(['1 / 0', '--json']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toHaveLength(1);
    expect(JSON.parse(stderr)).toMatchObject({
      expression: '1 / 0',
      error: { code: 'OPERATOR_FAILED', column: 3, plugin: 'divide', cause: { code: 'CALL_FAILED' } },
    });
  });

  test('--json reports an unknown operator with its code', async () => {
    const { code, stderr } = await runCli(['--json', '2 & 3']);
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toMatchObject({ error: { code: 'UNKNOWN_OPERATOR', operator: '&' } });
  });

  test.each([[['--jsn', '1']], [['-x']], [['--plugins']], [['--plugins', '/no/such/plugboard/dir', '1 + 1']]])(
    '%j is a usage error: exit 2, nothing on stdout',
    async (args) => {
      const { code, stdout, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).not.toBe('');
    },
  );

  test('after --, an argument that looks like an option is part of the expression', async () => {
    const { code, stderr } = await runCli(['--json', '--', '-x']);
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toMatchObject({ error: { code: 'UNKNOWN_OPERATOR', operator: 'x' } });
  });

  test('--help prints usage and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--plugins <dir>');
  });
});
