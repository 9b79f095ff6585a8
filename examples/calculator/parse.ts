import { CalcError } from './errors.js';
import type { OperatorSpec, OperatorTable } from './operators.js';
import { type Token, tokenize } from './tokenize.js';

// Precedence climbing over the operator table: the parser has no operator of its own.

export interface NumberNode {
  readonly kind: 'number';
  readonly value: number;
  readonly column: number;
}

export interface UnaryNode<Op> {
  readonly kind: 'unary';
  readonly operator: Op;
  readonly operand: Expr<Op>;
  readonly column: number;
}

export interface BinaryNode<Op> {
  readonly kind: 'binary';
  readonly operator: Op;
  readonly left: Expr<Op>;
  readonly right: Expr<Op>;
  readonly column: number;
}

/** The syntax tree. Its operators are the table's own entries, so evaluation needs no lookup. */
export type Expr<Op> = NumberNode | UnaryNode<Op> | BinaryNode<Op>;

/** How deep parentheses, prefix operators and right-hand operands may nest. */
export const MAX_NESTING = 1000;

type Lexeme = Token | { readonly kind: 'end'; readonly column: number };

/** Parses `source` with the operators of `table`; throws a CalcError (`SYNTAX` or `UNKNOWN_OPERATOR`). */
export function parse<Op extends OperatorSpec>(source: string, table: OperatorTable<Op>): Expr<Op> {
  const tokens: readonly Lexeme[] = tokenize(source, table.symbols);
  const end: Lexeme = { kind: 'end', column: source.length + 1 };
  let index = 0;
  let nesting = 0;
  const peek = (): Lexeme => tokens[index] ?? end;

  // An expression whose infix operators all bind at least as tightly as `minPrecedence`.
  const expression = (minPrecedence: number): Expr<Op> => {
    if (++nesting > MAX_NESTING) {
      throw syntax(`expression nested more than ${MAX_NESTING} levels deep at column ${peek().column}`, peek());
    }
    let left = operand();
    for (;;) {
      const token = peek();
      const operator = token.kind === 'operator' ? table.infix.get(token.text) : undefined;
      if (operator === undefined || operator.precedence < minPrecedence) break;
      index++;
      const next = operator.associativity === 'left' ? operator.precedence + 1 : operator.precedence;
      left = { kind: 'binary', operator, left, right: expression(next), column: token.column };
    }
    nesting--;
    return left;
  };

  // A number, a parenthesised expression, or a prefix operator and its operand.
  const operand = (): Expr<Op> => {
    const token = peek();
    switch (token.kind) {
      case 'number':
        index++;
        return { kind: 'number', value: token.value, column: token.column };
      case 'open': {
        index++;
        const inner = expression(0);
        const close = peek();
        if (close.kind === 'end') throw syntax(`\`(\` at column ${token.column} is never closed`, token);
        if (close.kind !== 'close') throw unexpected(close, 'an operator or `)`');
        index++;
        return inner;
      }
      case 'operator': {
        const operator = table.prefix.get(token.text);
        if (operator === undefined) {
          throw syntax(
            `\`${token.text}\` at column ${token.column} is not a prefix operator; it needs a left operand`,
            token,
          );
        }
        index++;
        return { kind: 'unary', operator, operand: expression(operator.precedence), column: token.column };
      }
      default:
        throw missingOperand(token);
    }
  };

  const missingOperand = (found: Lexeme): CalcError => {
    const before = tokens[index - 1];
    if (before === undefined && found.kind === 'end') return syntax('empty expression at column 1', { column: 1 });
    const after = before === undefined ? '' : ` after ${describe(before)}`;
    return syntax(`missing operand${after} at column ${found.column}; found ${describe(found)}`, found);
  };

  const tree = expression(0);
  const rest = peek();
  switch (rest.kind) {
    case 'end':
      return tree;
    case 'close':
      throw syntax(`unmatched \`)\` at column ${rest.column}`, rest);
    case 'operator':
      throw syntax(
        `\`${rest.text}\` at column ${rest.column} is not an infix operator; it cannot follow an operand`,
        rest,
      );
    default:
      throw unexpected(rest, 'an operator or the end of the input');
  }
}

function syntax(message: string, at: { readonly column: number }): CalcError {
  return new CalcError('SYNTAX', message, { column: at.column });
}

function unexpected(token: Lexeme, expected: string): CalcError {
  return syntax(`unexpected ${describe(token)} at column ${token.column}; expected ${expected}`, token);
}

function describe(token: Lexeme): string {
  return token.kind === 'end' ? 'the end of the input' : `\`${token.text}\``;
}
