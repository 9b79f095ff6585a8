import { describe, expect, test } from 'vitest';
import { parseIsolation, parseTimeout, UsageError } from '../../examples/calculator/usage.js';

// The option values, checked before anything loads. The CLI tests run each code end to end.

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError, but nothing was thrown');
}

describe('--isolation', () => {
  test.each(['inline', 'worker', 'process'])('%s is a mode', (mode) => {
    expect(parseIsolation(mode)).toBe(mode);
  });

  test.each(['', 'thread', 'Worker', 'process ', 'none'])('%j is ISOLATION_INVALID', (value) => {
    expect(usageErrorOf(() => parseIsolation(value)).code).toBe('ISOLATION_INVALID');
  });
});

describe('--timeout', () => {
  test.each([
    ['1', 1],
    ['500', 500],
    ['5000', 5000],
    ['2147483647', 2 ** 31 - 1],
  ])('%s is %d ms', (value, ms) => {
    expect(parseTimeout(value)).toBe(ms);
  });

  test.each(['0', '-1', '-500', '1.5', '5000.0', '1e3', '0x10', ' 500', '500ms', 'abc', '', 'Infinity', '2147483648'])(
    '%j is TIMEOUT_INVALID',
    (value) => {
      expect(usageErrorOf(() => parseTimeout(value)).code).toBe('TIMEOUT_INVALID');
    },
  );
});
