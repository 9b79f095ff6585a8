import { definePlugin } from 'plugboard';

export default definePlugin({
  setup: () => ({
    'calc.operation': { symbol: '^', precedence: 4, associativity: 'right', arity: 2, execute: (a, b) => a ** b },
  }),
});
