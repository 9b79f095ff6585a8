import { definePlugin } from 'plugboard';

// Unary minus binds tighter than * and / but looser than ^: -2 ^ 2 is -(2 ^ 2) = -4,
// as in mathematics, and 2 ^ -1 is 0.5.
export default definePlugin({
  setup: () => ({
    'calc.operation': { symbol: '-', precedence: 3, associativity: 'right', arity: 1, execute: (a) => -a },
  }),
});
