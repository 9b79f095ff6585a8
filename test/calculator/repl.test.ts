import { describe, expect, test } from 'vitest';
import { lines, runCli } from './helpers.js';

// The REPL driven through piped stdin: no prompt, one result line per expression.

describe('calc with no expression (REPL)', () => {
  test('prints each result alone on its own line; an error goes to stderr and later lines still evaluate', async () => {
    const { code, stdout, stderr } = await runCli([], '2 + 3 * 4\n2 & 3\n\n(1 + 2) * 3\n1 / 0\n-2 ^ 2\n');
    expect(code).toBe(0);
    expect(stdout).toBe('14\n9\n-4\n');
    expect(stderr).toContain('unknown operator `&`');
    expect(stderr).toContain('division by zero');
  });

  test('in --json mode results and errors are JSON lines, errors with their codes', async () => {
    const { code, stdout, stderr } = await runCli(['--json'], '1 + 1\n2 &\n3 * 3\n4 / 0\n');
    expect(code).toBe(0);
    expect(lines(stdout).map((line) => JSON.parse(line))).toEqual([
      { expression: '1 + 1', result: 2 },
      { expression: '3 * 3', result: 9 },
    ]);
    expect(lines(stderr).map((line) => JSON.parse(line))).toMatchObject([
      { expression: '2 &', error: { code: 'UNKNOWN_OPERATOR' } },
      { expression: '4 / 0', error: { code: 'OPERATOR_FAILED', cause: { code: 'CALL_FAILED' } } },
    ]);
  });

  test(':plugins lists each operator with its symbol, arity, precedence, plugin and version', async () => {
    const { code, stdout } = await runCli([], ':plugins\n');
    expect(code).toBe(0);
    const rows = lines(stdout)
      .slice(1)
      .map((line) => line.split(/\s+/));
    expect(rows).toEqual([
      ['%', '2', '2', 'left', 'modulo@1.0.0'],
      ['*', '2', '2', 'left', 'multiply@1.0.0'],
      ['+', '2', '1', 'left', 'add@1.0.0'],
      ['-', '1', '3', 'right', 'negate@1.0.0'],
      ['-', '2', '1', 'left', 'subtract@1.0.0'],
      ['/', '2', '2', 'left', 'divide@1.0.0'],
      ['^', '2', '4', 'right', 'power@1.0.0'],
    ]);
  });

  test(':help prints help; an unknown command is an error and the REPL carries on', async () => {
    const { code, stdout, stderr } = await runCli([], ':help\n:nope\n1 + 1\n');
    expect(code).toBe(0);
    expect(stdout).toContain(':plugins');
    expect(stdout.endsWith('\n2\n')).toBe(true);
    expect(stderr).toContain(':nope');
  });

  test(':quit exits 0 and reads no further', async () => {
    const { code, stdout, stderr } = await runCli([], '1 + 1\n:quit\n2 + 2\n');
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '2\n', stderr: '' });
  });

  test('the end of the input ends the REPL with exit 0, even without a final newline', async () => {
    const { code, stdout } = await runCli([], '6 * 7');
    expect({ code, stdout }).toEqual({ code: 0, stdout: '42\n' });
  });
});
