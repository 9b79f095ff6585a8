export default {
  setup() {
    return {
      'calc.operation': {
        symbol: '%',
        precedence: 2,
        associativity: 'left',
        arity: 2,
        execute(a, b) {
          if (b === 0) throw new RangeError('remainder of division by zero');
          return a % b;
        },
      },
    };
  },
};
