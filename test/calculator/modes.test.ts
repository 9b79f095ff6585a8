import fc from 'fast-check';
import { isPluginError } from 'plugboard';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Calculator, createCalculator, ISOLATION_MODES } from '../../examples/calculator/calculator.js';
import { isCalcError } from '../../examples/calculator/errors.js';

// The same calculator in each isolation mode: the bundled operators give the same answers, and
// fail with the same codes, whether they run inline, in worker threads or in child processes.

type Outcome = { readonly value: number } | { readonly code: string; readonly cause: string | undefined };

async function outcomeOf(calculator: Calculator, expression: string): Promise<Outcome> {
  try {
    return { value: await calculator.evaluate(expression) };
  } catch (error) {
    if (!isCalcError(error)) throw error;
    return { code: error.code, cause: isPluginError(error.cause) ? error.cause.code : undefined };
  }
}

// Every bundled operator: + - * / % ^ and unary -, with their failures.
const CASES: readonly [string, Outcome][] = [
  ['2 + 3 * 4', { value: 14 }],
  ['-2 ^ 2 + 10 / 4 * 2 - 7 % 4', { value: -2 }],
  ['2 ^ 3 ^ 2', { value: 512 }],
  ['2 ^ -1', { value: 0.5 }],
  ['-(1 - 4) % 2', { value: 1 }],
  ['-7 % 3', { value: -1 }],
  ['0.1 + 0.2', { value: 0.30000000000000004 }],
  ['-0 * 1', { value: -0 }],
  ['1 / (2 - 2)', { code: 'OPERATOR_FAILED', cause: 'CALL_FAILED' }],
  ['5 % 0', { code: 'OPERATOR_FAILED', cause: 'CALL_FAILED' }],
  ['10 ^ 400', { code: 'OPERATOR_FAILED', cause: 'CALL_RESULT_INVALID' }],
  ['2 & 3', { code: 'UNKNOWN_OPERATOR', cause: undefined }],
  ['(1 + 2', { code: 'SYNTAX', cause: undefined }],
];

const calculators = new Map<string, Calculator>();

beforeAll(async () => {
  for (const isolation of ISOLATION_MODES) calculators.set(isolation, await createCalculator({ isolation }));
});

afterAll(async () => {
  for (const calculator of calculators.values()) await calculator.close();
});

function calculatorFor(isolation: string): Calculator {
  const calculator = calculators.get(isolation);
  if (calculator === undefined) throw new Error(`no ${isolation} calculator`);
  return calculator;
}

describe.each(ISOLATION_MODES)('createCalculator({ isolation: %j })', (isolation) => {
  test('loads every bundled operator', () => {
    const calculator = calculatorFor(isolation);
    expect(calculator.failures).toEqual([]);
    expect(calculator.operators().map(({ symbol, arity }) => `${arity}${symbol}`)).toEqual([
      '2%',
      '2*',
      '2+',
      '1-',
      '2-',
      '2/',
      '2^',
    ]);
  });

  test.each(CASES)('%s', async (expression, expected) => {
    // toEqual compares numbers with Object.is: 0 and -0 differ.
    expect(await outcomeOf(calculatorFor(isolation), expression)).toEqual(expected);
  });
});

describe('worker and process modes agree with inline', () => {
  const operand = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
  const symbol = fc.constantFrom('+', '-', '*', '/', '%', '^');
  const expression = fc
    .tuple(fc.boolean(), operand, fc.array(fc.tuple(symbol, fc.boolean(), operand), { minLength: 1, maxLength: 4 }))
    .map(([negated, first, rest]) => {
      const literal = (n: number) => (n < 0 || Object.is(n, -0) ? `(${n === 0 ? '-0' : n})` : String(n));
      const head = `${negated ? '-' : ''}${literal(first)}`;
      return rest.reduce((text, [op, neg, n]) => `${text} ${op} ${neg ? '-' : ''}${literal(n)}`, head);
    });

  test('on random expressions over every operator, the same value or the same error codes', async () => {
    await fc.assert(
      fc.asyncProperty(expression, async (source) => {
        const inline = await outcomeOf(calculatorFor('inline'), source);
        expect(await outcomeOf(calculatorFor('worker'), source)).toEqual(inline);
        expect(await outcomeOf(calculatorFor('process'), source)).toEqual(inline);
      }),
      { numRuns: 200 },
    );
  });
});

describe('calculators in one process', () => {
  // An inline load registers plugboard's resolve hook in this process (module.register); a worker
  // started after it must still find `plugboard` from `power`, whose folder has its own package.json.
  test('a worker calculator created after an inline one loads every operator', async () => {
    const calculator = await createCalculator({ isolation: 'worker' });
    try {
      expect(calculator.failures).toEqual([]);
      await expect(calculator.evaluate('2 ^ 3 ^ 2')).resolves.toBe(512);
    } finally {
      await calculator.close();
    }
  });
});
