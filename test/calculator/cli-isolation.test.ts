import { describe, expect, test } from 'vitest';
import { type CliRun, lines, runCli, runNpm } from './helpers.js';

// `--isolation MODE` and `--timeout MS` on the real CLI, one expression per run.

const MODES = ['inline', 'worker', 'process'] as const;

// Between them, every bundled operator: + - * / % ^ and unary -, and an operator's own error.
const ANSWERS: readonly [string, Partial<CliRun>][] = [
  ['-2 ^ 2 + 10 / 4 * 2 - 7 % 4', { code: 0, stdout: '{"expression":"-2 ^ 2 + 10 / 4 * 2 - 7 % 4","result":-2}\n' }],
  ['2 ^ -1 * (7 % 4 - 1) - -3', { code: 0, stdout: '{"expression":"2 ^ -1 * (7 % 4 - 1) - -3","result":4}\n' }],
  ['1 / (2 - 2)', { code: 1, stdout: '' }],
];

describe.each(MODES)('calc --isolation %s EXPRESSION', (mode) => {
  test.each(ANSWERS)('%s gives the same answer as in every mode', { timeout: 60_000 }, async (expression, expected) => {
    const run = await runCli(['--json', '--isolation', mode, expression]);
    expect(run).toMatchObject(expected);
    if (expected.code === 0) expect(run.stderr).toBe('');
    else {
      expect(JSON.parse(run.stderr)).toMatchObject({
        error: { code: 'OPERATOR_FAILED', operator: '/', plugin: 'divide', cause: { code: 'CALL_FAILED' } },
      });
    }
  });
});

describe('calc --timeout MS', () => {
  test.each(MODES)('is accepted with --isolation %s and changes no answer', { timeout: 60_000 }, async (mode) => {
    const run = await runCli(['--isolation', mode, '--timeout', '30000', '2 + 3 * 4']);
    expect(run).toEqual({ code: 0, stdout: '14\n', stderr: '' });
  });
});

// Nothing loads before the options are checked, so these runs are short and may overlap.
describe.concurrent('bad options are usage errors: exit 2, nothing on stdout, the code in --json', () => {
  test.each([
    [['--isolation', 'thread', '1 + 1'], 'ISOLATION_INVALID'],
    [['--timeout', '0', '1 + 1'], 'TIMEOUT_INVALID'],
    [['--timeout', '-500', '1 + 1'], 'TIMEOUT_INVALID'],
    [['--timeout', '1.5', '1 + 1'], 'TIMEOUT_INVALID'],
    [['--isolation'], 'OPTION_VALUE_MISSING'],
    [['--timeout'], 'OPTION_VALUE_MISSING'],
    [['--plugins'], 'OPTION_VALUE_MISSING'],
    [['-x'], 'UNKNOWN_OPTION'],
    [['--plugins', '/no/such/plugboard/dir', '1 + 1'], 'PLUGINS_NOT_FOUND'],
  ])('%j is %s', async (args, errorCode) => {
    const { code, stdout, stderr } = await runCli(['--json', ...args]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(JSON.parse(stderr)).toMatchObject({ error: { code: errorCode } });
  });

  test.each([[['--isolation', 'thread', '1 + 1']], [['--timeout', '0', '1 + 1']]])(
    '%j in text mode is one error line',
    async (args) => {
      const { code, stdout, stderr } = await runCli(args);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(lines(stderr)).toHaveLength(1);
      expect(stderr.startsWith('error: ')).toBe(true);
    },
  );
});

describe('the quick start with --isolation', () => {
  test('npm run calc -- --isolation process "2 + 3 * 4" prints 14', { timeout: 60_000 }, async () => {
    const { code, stdout } = await runNpm(['run', 'calc', '--', '--isolation', 'process', '2 + 3 * 4']);
    expect(code).toBe(0);
    // npm prints its own header lines first; the calculator's answer is the last line.
    expect(lines(stdout).at(-1)).toBe('14');
  });
});
