// A plugin needs no imports at all: the default export is a plain object with setup().
export default {
  setup() {
    return {
      'calc.operation': { symbol: '-', precedence: 1, associativity: 'left', arity: 2, execute: (a, b) => a - b },
    };
  },
};
