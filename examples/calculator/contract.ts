import { defineContract } from 'plugboard';
import { z } from 'zod';

/**
 * An operator of the calculator. Everything the parser knows about an operator comes from
 * here: its symbol, how tightly it binds, which way it groups, and how many operands it takes.
 */
export const Operation = defineContract({
  id: 'calc.operation',
  version: '1.0.0',
  description: 'An operator of the calculator',
  meta: z.object({
    /** What the user types; no digits, spaces, parentheses or dots. */
    symbol: z.string().regex(/^[^\s\d().]+$/, 'a symbol without digits, spaces, parentheses or dots'),
    /** Higher binds tighter. */
    precedence: z.number().int().min(0),
    associativity: z.enum(['left', 'right']),
    /** 1 for a prefix operator, 2 for an infix one. */
    arity: z.union([z.literal(1), z.literal(2)]),
  }),
  methods: {
    execute: { args: z.array(z.number()).min(1).max(2), result: z.number() },
  },
});
