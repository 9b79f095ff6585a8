import { describe, expect, test } from 'vitest';
import { type Executable, evaluate } from '../../examples/calculator/evaluate.js';
import { createOperatorTable } from '../../examples/calculator/operators.js';
import { parse } from '../../examples/calculator/parse.js';
import { rejectionOf } from './helpers.js';

// Operators whose execute returns a Promise, as handles will under worker or process isolation.
function asyncOperators(log: string[] = []): Executable[] {
  const op = (symbol: string, precedence: number, arity: 1 | 2, fn: (...xs: number[]) => number): Executable => ({
    symbol,
    precedence,
    associativity: 'left',
    arity,
    execute: async (...operands) => {
      log.push(`${symbol}(${operands.join(',')})`);
      return fn(...operands);
    },
  });
  return [
    op('+', 1, 2, (a, b) => (a ?? 0) + (b ?? 0)),
    op('*', 2, 2, (a, b) => (a ?? 0) * (b ?? 0)),
    op('-', 3, 1, (a) => -(a ?? 0)),
    op('!', 1, 2, () => {
      throw new RangeError('no bang today');
    }),
  ];
}

function run(source: string, operators = asyncOperators()): Promise<number> {
  return evaluate(parse(source, createOperatorTable(operators).table));
}

describe('evaluate', () => {
  test('awaits operators that return Promises', async () => {
    await expect(run('2 + 3 * 4')).resolves.toBe(14);
    await expect(run('-(1 + 2) * 2')).resolves.toBe(-6);
  });

  test('calls operators one at a time, operands before their operator, left before right', async () => {
    const log: string[] = [];
    await run('1 * 2 + -3 * 4', asyncOperators(log));
    expect(log).toEqual(['*(1,2)', '-(3)', '*(-3,4)', '+(2,-12)']);
  });

  test('a number alone is its own value', async () => {
    await expect(run('  42 ')).resolves.toBe(42);
  });

  test("an operator's error becomes OPERATOR_FAILED with the operator's column and the error as cause", async () => {
    const error = await rejectionOf(run('1 + 2 ! 3'));
    expect(error).toMatchObject({ code: 'OPERATOR_FAILED', column: 7, operator: '!' });
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(error.message).toContain('no bang today');
  });

  test('a chain of 50 000 operators evaluates without overflowing the stack', async () => {
    await expect(run(Array(50_000).fill('1').join('+'))).resolves.toBe(50_000);
  });
});
