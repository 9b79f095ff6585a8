import { describe, expect, test } from 'vitest';
import { tokenize } from '../../examples/calculator/tokenize.js';
import { calcErrorOf } from './helpers.js';

const SYMBOLS = ['+', '-', '*', '**', 'mod', '^'];

function texts(source: string, symbols = SYMBOLS): string[] {
  return tokenize(source, symbols).map((token) => token.text);
}

describe('tokenize', () => {
  test.each([
    ['12', 12],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['2.', 2],
    ['1.5e3', 1500],
    ['2E-4', 0.0002],
    ['1e+2', 100],
    ['007', 7],
  ])('reads the number %s', (source, value) => {
    expect(tokenize(source, SYMBOLS)).toEqual([{ kind: 'number', text: source, column: 1, value }]);
  });

  test('gives each token its 1-based column, skipping any whitespace', () => {
    const tokens = tokenize(' (1 +\t2)\n* 3', SYMBOLS);
    expect(tokens.map(({ kind, text, column }) => ({ kind, text, column }))).toEqual([
      { kind: 'open', text: '(', column: 2 },
      { kind: 'number', text: '1', column: 3 },
      { kind: 'operator', text: '+', column: 5 },
      { kind: 'number', text: '2', column: 7 },
      { kind: 'close', text: ')', column: 8 },
      { kind: 'operator', text: '*', column: 10 },
      { kind: 'number', text: '3', column: 12 },
    ]);
  });

  test('matches the longest known symbol', () => {
    expect(texts('2**3')).toEqual(['2', '**', '3']);
    expect(texts('2***3')).toEqual(['2', '**', '*', '3']);
    expect(texts('2**3', ['*'])).toEqual(['2', '*', '*', '3']);
  });

  test('knows word symbols only from the table, and needs no space around them', () => {
    expect(texts('7 mod 2')).toEqual(['7', 'mod', '2']);
    expect(texts('7mod2')).toEqual(['7', 'mod', '2']);
    expect(calcErrorOf(() => tokenize('7 mod 2', ['+'])).code).toBe('UNKNOWN_OPERATOR');
  });

  test('an unknown operator names itself, runs up to a separator or known symbol, and lists the others', () => {
    const error = calcErrorOf(() => tokenize('2 &&+3', SYMBOLS));
    expect(error.code).toBe('UNKNOWN_OPERATOR');
    expect(error.column).toBe(3);
    expect(error.operator).toBe('&&');
    expect(error.message).toContain('+ - * ** mod ^');
    expect(calcErrorOf(() => tokenize('2 sqrt(4)', SYMBOLS)).operator).toBe('sqrt');
  });

  test('with no operators at all, every symbol is unknown', () => {
    const error = calcErrorOf(() => tokenize('1 + 1', []));
    expect(error.code).toBe('UNKNOWN_OPERATOR');
    expect(error.message).toContain('available: none');
  });

  test.each([
    ['.', 1],
    ['1 + .', 5],
    ['1.2.3', 1],
    ['2..', 1],
    ['1e5.5', 1],
  ])('rejects the malformed number in %j at its column', (source, column) => {
    const error = calcErrorOf(() => tokenize(source, SYMBOLS));
    expect(error.code).toBe('SYNTAX');
    expect(error.column).toBe(column);
  });

  test('rejects a literal too large to be a finite number', () => {
    const error = calcErrorOf(() => tokenize('1 + 1e999', SYMBOLS));
    expect(error.code).toBe('SYNTAX');
    expect(error.column).toBe(5);
  });

  test('an `e` not followed by digits is not an exponent', () => {
    expect(texts('2e', ['e'])).toEqual(['2', 'e']);
    expect(texts('2e+', ['e', '+'])).toEqual(['2', 'e', '+']);
  });
});
