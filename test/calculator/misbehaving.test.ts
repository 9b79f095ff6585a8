import { describe, expect, test } from 'vitest';
import { lines, runCli } from './helpers.js';

// Operators that hang (`~`), call process.exit (`#`) and throw from a timer (`@`), loaded next to
// the bundled ones. In a worker or a process, each fails its own expression within the deadline,
// and every other operator keeps working in the same REPL session.

const PLUGINS = ['--plugins', 'examples/calculator/plugins', '--plugins', 'test/fixtures/calculator/misbehaving'];
const TIMEOUT = ['--timeout', '1000'];

function failure(expression: string, operator: string, plugin: string, cause: string | string[]) {
  return {
    expression,
    error: {
      code: 'OPERATOR_FAILED',
      operator,
      plugin,
      cause: { code: Array.isArray(cause) ? expect.toBeOneOf(cause) : cause },
    },
  };
}

describe.each(['worker', 'process'])('calc --isolation %s with misbehaving operators', (mode) => {
  test('in one REPL session, each misbehaving operator fails its expression and the rest keep working', {
    timeout: 60_000,
  }, async () => {
    const input = ['1 ~ 2', '2 + 3', '1 # 2', '2 * 3', '1 @ 2', '-2 ^ 2 - 7 % 4 / 2', '1 ~ 2', '6 - 1', ''];
    const { code, stdout, stderr } = await runCli(
      ['--json', '--isolation', mode, ...TIMEOUT, ...PLUGINS],
      input.join('\n'),
    );

    expect(code).toBe(0);
    expect(lines(stdout).map((line) => JSON.parse(line))).toEqual([
      { expression: '2 + 3', result: 5 },
      { expression: '2 * 3', result: 6 },
      { expression: '-2 ^ 2 - 7 % 4 / 2', result: -5.5 },
      { expression: '6 - 1', result: 5 },
    ]);
    expect(lines(stderr).map((line) => JSON.parse(line))).toMatchObject([
      failure('1 ~ 2', '~', 'hangs', 'CALL_TIMEOUT'),
      failure('1 # 2', '#', 'exits', 'PLUGIN_EXITED'),
      failure('1 @ 2', '@', 'throws-later', 'PLUGIN_UNCAUGHT_EXCEPTION'),
      // Called again at once: still waiting for its restart, or restarted and hanging again.
      failure('1 ~ 2', '~', 'hangs', ['PLUGIN_NOT_ACTIVE', 'CALL_TIMEOUT']),
    ]);
  });

  test('one-shot, a hanging operator is an error naming CALL_TIMEOUT, exit 1, and the calculator exits', {
    timeout: 60_000,
  }, async () => {
    const { code, stdout, stderr } = await runCli(['--isolation', mode, ...TIMEOUT, ...PLUGINS, '1 + 1 ~ 2']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(lines(stderr)[0]).toContain('[CALL_TIMEOUT]');
  });
});
