import { describe, expect, test } from 'vitest';
import type { CalcError } from '../../examples/calculator/errors.js';
import { createOperatorTable, type OperatorSpec } from '../../examples/calculator/operators.js';
import { type Expr, MAX_NESTING, parse } from '../../examples/calculator/parse.js';
import { BUNDLED_SPECS, calcErrorOf } from './helpers.js';

/** The tree fully parenthesised: `(2 + (3 * 4))`, `(-2)` for a prefix operator. */
function show(expr: Expr<OperatorSpec>): string {
  switch (expr.kind) {
    case 'number':
      return String(expr.value);
    case 'unary':
      return `(${expr.operator.symbol}${show(expr.operand)})`;
    case 'binary':
      return `(${show(expr.left)} ${expr.operator.symbol} ${show(expr.right)})`;
  }
}

function parsed(source: string, specs: readonly OperatorSpec[] = BUNDLED_SPECS): string {
  return show(parse(source, createOperatorTable(specs).table));
}

function failure(source: string, specs: readonly OperatorSpec[] = BUNDLED_SPECS): CalcError {
  return calcErrorOf(() => parse(source, createOperatorTable(specs).table));
}

function withPrecedence(symbol: string, arity: 1 | 2, precedence: number): OperatorSpec[] {
  return BUNDLED_SPECS.map((spec) => (spec.symbol === symbol && spec.arity === arity ? { ...spec, precedence } : spec));
}

describe('parse', () => {
  test.each([
    ['2 + 3 * 4', '(2 + (3 * 4))'],
    ['(1 + 2) * 3', '((1 + 2) * 3)'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['8 / 4 / 2', '((8 / 4) / 2)'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['-2 ^ 2', '(-(2 ^ 2))'],
    ['2 ^ -1', '(2 ^ (-1))'],
    ['-2 * 3', '((-2) * 3)'],
    ['2 - -3', '(2 - (-3))'],
    ['--2', '(-(-2))'],
    ['-(1 + 2)', '(-(1 + 2))'],
    ['((7))', '7'],
    ['1.5e3 + .5 * 2.', '(1500 + (0.5 * 2))'],
  ])('%s is %s', (source, tree) => {
    expect(parsed(source)).toBe(tree);
  });

  test('precedence and associativity come from the table, not the parser', () => {
    expect(parsed('-2 ^ 2', withPrecedence('-', 1, 5))).toBe('((-2) ^ 2)');
    expect(parsed('2 + 3 * 4', withPrecedence('+', 2, 3))).toBe('((2 + 3) * 4)');
    const leftPower = BUNDLED_SPECS.map((spec) =>
      spec.symbol === '^' ? { ...spec, associativity: 'left' as const } : spec,
    );
    expect(parsed('2 ^ 3 ^ 2', leftPower)).toBe('((2 ^ 3) ^ 2)');
  });

  test('a word symbol is an operator like any other', () => {
    const specs = [...BUNDLED_SPECS, { symbol: 'sqrt', precedence: 3, associativity: 'right', arity: 1 } as const];
    expect(parsed('sqrt 16 + 1', specs)).toBe('((sqrt16) + 1)');
  });

  test('each node keeps the column of its operator or number', () => {
    const tree = parse('1 +  -2', createOperatorTable(BUNDLED_SPECS).table);
    expect(tree).toMatchObject({ kind: 'binary', column: 3, left: { column: 1 }, right: { kind: 'unary', column: 6 } });
  });

  test.each([
    ['', 1],
    ['   ', 1],
    ['2 +', 4],
    ['2 + )', 5],
    ['()', 2],
    ['(1 + 2', 1],
    ['1 + 2)', 6],
    [')', 1],
    ['2 3', 3],
    ['(1 2)', 4],
    ['* 2', 1],
    ['2 * * 3', 5],
  ])('%j is a syntax error at column %i', (source, column) => {
    const error = failure(source);
    expect(error.code).toBe('SYNTAX');
    expect(error.column).toBe(column);
    expect(error.message).toContain(`column ${column}`);
  });

  test('a prefix-only operator after an operand is a syntax error', () => {
    const specs = [{ symbol: '!', precedence: 3, associativity: 'right', arity: 1 } as const];
    expect(failure('2 ! 3', specs)).toMatchObject({ code: 'SYNTAX', column: 3 });
  });

  test('an unknown operator is reported before any syntax error', () => {
    expect(failure('(2 & ')).toMatchObject({ code: 'UNKNOWN_OPERATOR', column: 4, operator: '&' });
  });

  test('nesting deeper than MAX_NESTING is a syntax error, not a stack overflow', () => {
    const deep = `${'('.repeat(MAX_NESTING + 1)}1${')'.repeat(MAX_NESTING + 1)}`;
    expect(failure(deep).code).toBe('SYNTAX');
    expect(failure(`${'-'.repeat(50_000)}1`).code).toBe('SYNTAX');
    const fine = `${'('.repeat(MAX_NESTING - 1)}1${')'.repeat(MAX_NESTING - 1)}`;
    expect(parsed(fine)).toBe('1');
  });

  test('a long left-associative chain does not nest', () => {
    expect(() => parse(Array(50_000).fill('1').join('+'), createOperatorTable(BUNDLED_SPECS).table)).not.toThrow();
  });
});

describe('createOperatorTable', () => {
  test('keeps prefix and infix uses of a symbol apart, and lists each symbol once, sorted', () => {
    const { table, conflicts } = createOperatorTable(BUNDLED_SPECS);
    expect(table.symbols).toEqual(['%', '*', '+', '-', '/', '^']);
    expect(table.prefix.get('-')?.precedence).toBe(3);
    expect(table.infix.get('-')?.precedence).toBe(1);
    expect(conflicts).toEqual([]);
  });

  test('the first operator with a symbol and arity wins; later ones are conflicts', () => {
    const second = { symbol: '+', precedence: 9, associativity: 'left', arity: 2 } as const;
    const { table, conflicts } = createOperatorTable([...BUNDLED_SPECS, second]);
    expect(table.infix.get('+')?.precedence).toBe(1);
    expect(conflicts).toEqual([{ operator: second, kept: BUNDLED_SPECS[0] }]);
  });
});
