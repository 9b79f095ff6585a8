import { definePlugin } from 'plugboard';

export default definePlugin({
  setup: () => ({
    'calc.operation': {
      symbol: '/',
      precedence: 2,
      associativity: 'left',
      arity: 2,
      execute(a, b) {
        if (b === 0) throw new RangeError('division by zero');
        return a / b;
      },
    },
  }),
});
