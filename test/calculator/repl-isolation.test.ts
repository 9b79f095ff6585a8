import { describe, expect, test } from 'vitest';
import { lines, runCli } from './helpers.js';

// The REPL with every operator in a worker thread or a child process of its own, driven through
// piped stdin, as in repl.test.ts: the same lines out as inline.

const SESSION = [
  ['2 + 3 * 4', '14'],
  ['10 - 4 - 3', '3'],
  ['7 / 2', '3.5'],
  ['-7 % 3', '-1'],
  ['2 ^ 3 ^ 2', '512'],
  ['-2 ^ 2', '-4'],
  ['2 - -3', '5'],
  ['-2 ^ 2 + 10 / 4 * 2 - 7 % 4', '-2'],
] as const;

describe.each(['worker', 'process'])('calc --isolation %s (REPL)', (mode) => {
  test('evaluates every operator, one result a line; an error goes to stderr and the session carries on', {
    timeout: 60_000,
  }, async () => {
    const input = [...SESSION.slice(0, 4).map(([e]) => e), '1 / 0', ...SESSION.slice(4).map(([e]) => e)];
    const { code, stdout, stderr } = await runCli(['--isolation', mode], `${input.join('\n')}\n`);
    expect(code).toBe(0);
    expect(stdout).toBe(SESSION.map(([, printed]) => `${printed}\n`).join(''));
    expect(stderr).toContain('division by zero');
  });

  test('in --json mode, :plugins lists the same operators, and errors keep their codes', {
    timeout: 60_000,
  }, async () => {
    const { code, stdout, stderr } = await runCli(
      ['--json', '--isolation', mode],
      ':plugins\n6 * 7\n10 ^ 400\n5 % 0\n',
    );
    expect(code).toBe(0);
    const [listing, ...results] = lines(stdout).map((line) => JSON.parse(line));
    expect(
      listing.operators.map(({ symbol, arity, plugin }: Record<string, unknown>) => [symbol, arity, plugin]),
    ).toEqual([
      ['%', 2, 'modulo'],
      ['*', 2, 'multiply'],
      ['+', 2, 'add'],
      ['-', 1, 'negate'],
      ['-', 2, 'subtract'],
      ['/', 2, 'divide'],
      ['^', 2, 'power'],
    ]);
    expect(results).toEqual([{ expression: '6 * 7', result: 42 }]);
    expect(lines(stderr).map((line) => JSON.parse(line))).toMatchObject([
      { expression: '10 ^ 400', error: { code: 'OPERATOR_FAILED', cause: { code: 'CALL_RESULT_INVALID' } } },
      { expression: '5 % 0', error: { code: 'OPERATOR_FAILED', cause: { code: 'CALL_FAILED' } } },
    ]);
  });
});
