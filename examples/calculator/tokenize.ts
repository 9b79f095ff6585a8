import { CalcError } from './errors.js';

// Splits the input into tokens. It knows no operator of its own: besides numbers, parentheses and
// whitespace, everything is matched against the symbols of the loaded plugins, longest first.

export interface NumberToken {
  readonly kind: 'number';
  readonly text: string;
  readonly column: number;
  readonly value: number;
}

export interface OtherToken {
  readonly kind: 'operator' | 'open' | 'close';
  readonly text: string;
  readonly column: number;
}

export type Token = NumberToken | OtherToken;

// `12`, `1.5`, `.5`, `2.`, each with an optional exponent: `1.5e3`, `2E-4`.
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const NUMBER_START = /[\d.]/;
// What to quote when a number is malformed: `1.2.3`, `1e5.5`.
const MALFORMED = /^(?:[\d.]|[eE][+-]?)+/;
const WHITESPACE = /\s/;

export function tokenize(source: string, symbols: readonly string[]): Token[] {
  const longestFirst = [...symbols].sort((a, b) => b.length - a.length);
  const symbolAt = (index: number) => longestFirst.find((symbol) => source.startsWith(symbol, index));
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source.charAt(index);
    const column = index + 1;
    if (WHITESPACE.test(char)) {
      index++;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'open' : 'close', text: char, column });
      index++;
    } else if (NUMBER_START.test(char)) {
      const token = readNumber(source, index);
      tokens.push(token);
      index += token.text.length;
    } else {
      const symbol = symbolAt(index);
      if (symbol === undefined) throw unknownOperator(source, index, symbols, symbolAt);
      tokens.push({ kind: 'operator', text: symbol, column });
      index += symbol.length;
    }
  }
  return tokens;
}

function readNumber(source: string, index: number): NumberToken {
  const column = index + 1;
  const rest = source.slice(index);
  const text = NUMBER.exec(rest)?.[0] ?? '';
  const end = index + text.length;
  if (text === '' || source.charAt(end) === '.') {
    const malformed = MALFORMED.exec(rest)?.[0] ?? text;
    throw new CalcError('SYNTAX', `malformed number \`${malformed}\` at column ${column}`, { column });
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new CalcError('SYNTAX', `number \`${text}\` at column ${column} is too large`, { column });
  }
  return { kind: 'number', text, column, value };
}

/** The unknown operator runs up to whitespace, a number, a parenthesis or a known symbol. */
function unknownOperator(
  source: string,
  index: number,
  symbols: readonly string[],
  symbolAt: (index: number) => string | undefined,
): CalcError {
  let end = index + 1;
  while (end < source.length) {
    const char = source.charAt(end);
    if (WHITESPACE.test(char) || NUMBER_START.test(char) || char === '(' || char === ')') break;
    if (symbolAt(end) !== undefined) break;
    end++;
  }
  const text = source.slice(index, end);
  const available = symbols.length > 0 ? symbols.join(' ') : 'none';
  return new CalcError(
    'UNKNOWN_OPERATOR',
    `unknown operator \`${text}\` at column ${index + 1}; available: ${available}`,
    {
      column: index + 1,
      operator: text,
    },
  );
}
