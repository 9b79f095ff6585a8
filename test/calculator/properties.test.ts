import fc from 'fast-check';
import { afterAll, assert, beforeAll, describe, expect, test } from 'vitest';
import { type Calculator, createCalculator } from '../../examples/calculator/calculator.js';
import { CalcError } from '../../examples/calculator/errors.js';
import { createOperatorTable } from '../../examples/calculator/operators.js';
import { parse } from '../../examples/calculator/parse.js';
import { BUNDLED_SPECS } from './helpers.js';

type Symbol = '+' | '-' | '*' | '/';

interface Literal {
  readonly kind: 'literal';
  readonly value: number;
  readonly parens: boolean;
}

interface Binary {
  readonly kind: 'binary';
  readonly symbol: Symbol;
  readonly left: Node;
  readonly right: Node;
  readonly parens: boolean;
  readonly before: string;
  readonly after: string;
}

type Node = Literal | Binary;

const PRECEDENCE: Record<Symbol, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

const space = fc.constantFrom('', '', ' ', '  ', '\t');
const extraParens = fc.nat(4).map((n) => n === 0);
const number = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2, 0.5),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const { node: ast } = fc.letrec<{ node: Node; literal: Literal; binary: Binary }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('literal'), tie('binary')),
  literal: fc.record({ kind: fc.constant('literal'), value: number, parens: extraParens }),
  binary: fc.record({
    kind: fc.constant('binary'),
    symbol: fc.constantFrom<Symbol>('+', '-', '*', '/'),
    left: tie('node'),
    right: tie('node'),
    parens: extraParens,
    before: space,
    after: space,
  }),
}));

/** Prints with parentheses only where standard precedence needs them (and where `parens` asks). */
function print(node: Node, needed = false): string {
  let text: string;
  if (node.kind === 'literal') {
    const negative = node.value < 0 || Object.is(node.value, -0);
    text = negative ? `(-${String(-node.value)})` : String(node.value);
  } else {
    const own = PRECEDENCE[node.symbol];
    // Every operator is left-associative, so an equal-precedence right operand needs parentheses.
    const left = print(node.left, precedenceOf(node.left) < own);
    const right = print(node.right, precedenceOf(node.right) <= own);
    text = `${left}${node.before}${node.symbol}${node.after}${right}`;
  }
  return needed || node.parens ? `(${text})` : text;
}

function precedenceOf(node: Node): number {
  return node.kind === 'literal' ? Number.POSITIVE_INFINITY : PRECEDENCE[node.symbol];
}

type Outcome = { readonly value: number } | { readonly error: 'CALL_FAILED' | 'CALL_RESULT_INVALID' };

/** Evaluates the tree directly, left to right; failing where the plugins do: /0 and non-finite results. */
function reference(node: Node): Outcome {
  if (node.kind === 'literal') return { value: node.value };
  const left = reference(node.left);
  if (!('value' in left)) return left;
  const right = reference(node.right);
  if (!('value' in right)) return right;
  const [a, b] = [left.value, right.value];
  if (node.symbol === '/' && b === 0) return { error: 'CALL_FAILED' };
  const value = node.symbol === '+' ? a + b : node.symbol === '-' ? a - b : node.symbol === '*' ? a * b : a / b;
  return Number.isFinite(value) ? { value } : { error: 'CALL_RESULT_INVALID' };
}

describe('the calculator over the bundled plugins', () => {
  let calculator: Calculator;
  beforeAll(async () => {
    calculator = await createCalculator();
  });
  afterAll(async () => {
    await calculator.close();
  });

  test('agrees exactly with a reference evaluator on random + - * / expressions', async () => {
    await fc.assert(
      fc.asyncProperty(ast, space, space, async (tree, lead, trail) => {
        const expression = `${lead}${print(tree)}${trail}`;
        const expected = reference(tree);
        const actual = await calculator.evaluate(expression).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        // toEqual compares numbers with Object.is: 0 and -0 differ.
        if ('value' in expected) expect(actual).toEqual(expected);
        else expect(actual).toMatchObject({ error: { code: 'OPERATOR_FAILED', cause: { code: expected.error } } });
      }),
      { numRuns: 300 },
    );
  });
});

describe('the tokenizer and parser', () => {
  const table = createOperatorTable([
    ...BUNDLED_SPECS,
    { symbol: '**', precedence: 4, associativity: 'right', arity: 2 },
    { symbol: 'mod', precedence: 2, associativity: 'left', arity: 2 },
    { symbol: 'sqrt', precedence: 3, associativity: 'right', arity: 1 },
  ]).table;
  const alphabet = [...'0123456789.eE+-*/%^() \tmodsqrt&!'];

  const inputs = fc.oneof(
    fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  );

  test('on any string, either parse or throw their own error, with a code and a column inside the input', () => {
    fc.assert(
      fc.property(inputs, (source) => {
        try {
          parse(source, table);
        } catch (error) {
          assert(error instanceof CalcError, `threw ${String(error)}`);
          expect(['SYNTAX', 'UNKNOWN_OPERATOR']).toContain(error.code);
          expect(error.column).toBeGreaterThanOrEqual(1);
          expect(error.column).toBeLessThanOrEqual(source.length + 1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
