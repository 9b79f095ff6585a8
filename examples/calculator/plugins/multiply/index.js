import { definePlugin } from 'plugboard';

export default definePlugin({
  setup: () => ({
    'calc.operation': { symbol: '*', precedence: 2, associativity: 'left', arity: 2, execute: (a, b) => a * b },
  }),
});
