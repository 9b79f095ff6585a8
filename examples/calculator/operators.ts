// The operator table: what the parser knows about operators, built from whatever the plugins provide.

/** What the parser needs to know about one operator. Every field comes from a plugin's metadata. */
export interface OperatorSpec {
  readonly symbol: string;
  /** Higher binds tighter. */
  readonly precedence: number;
  readonly associativity: 'left' | 'right';
  /** 1 for a prefix operator, 2 for an infix one. */
  readonly arity: 1 | 2;
}

export interface OperatorTable<Op extends OperatorSpec = OperatorSpec> {
  /** Operators written before their operand, by symbol. */
  readonly prefix: ReadonlyMap<string, Op>;
  /** Operators written between their operands, by symbol. */
  readonly infix: ReadonlyMap<string, Op>;
  /** Every symbol, prefix or infix, once each, sorted. */
  readonly symbols: readonly string[];
}

/** An operator left out of the table because an earlier one took its symbol and arity. */
export interface OperatorConflict<Op extends OperatorSpec> {
  readonly operator: Op;
  readonly kept: Op;
}

/** Builds the table; the first operator with a given symbol and arity wins, later ones are conflicts. */
export function createOperatorTable<Op extends OperatorSpec>(
  operators: Iterable<Op>,
): { table: OperatorTable<Op>; conflicts: OperatorConflict<Op>[] } {
  const prefix = new Map<string, Op>();
  const infix = new Map<string, Op>();
  const conflicts: OperatorConflict<Op>[] = [];
  for (const operator of operators) {
    const slot = operator.arity === 1 ? prefix : infix;
    const kept = slot.get(operator.symbol);
    if (kept === undefined) slot.set(operator.symbol, operator);
    else conflicts.push({ operator, kept });
  }
  const symbols = [...new Set([...prefix.keys(), ...infix.keys()])].sort();
  return { table: { prefix, infix, symbols }, conflicts };
}

/** How an operator is used, for messages: `prefix` or `infix`. */
export function fixity(operator: OperatorSpec): 'prefix' | 'infix' {
  return operator.arity === 1 ? 'prefix' : 'infix';
}
