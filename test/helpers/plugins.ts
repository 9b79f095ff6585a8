import { writePlugin } from './fixtures.js';

export interface GreeterOptions {
  readonly requires?: Record<string, string>;
  /** Source of the greet function; `ctx` is in scope. */
  readonly greet?: string;
  readonly setup?: string;
  readonly teardown?: string;
  readonly version?: string;
}

/** Writes a test.greeter plugin named `name` into `dir`; its setup runs `options.setup` first. */
export function writeGreeter(dir: string, name: string, options: GreeterOptions = {}): string {
  return writePlugin(
    dir,
    {
      name,
      version: options.version ?? '1.0.0',
      main: 'index.js',
      provides: { 'test.greeter': '^1.0.0' },
      ...(options.requires === undefined ? {} : { requires: options.requires }),
    },
    `export default {
  async setup(ctx) {
    ${options.setup ?? ''}
    return {
      'test.greeter': {
        language: ${JSON.stringify(name)},
        greet: ${options.greet ?? `(who) => ${JSON.stringify(`${name} greets `)} + who`},
        greetLater: async (who) => who,
      },
    };
  },
  ${options.teardown === undefined ? '' : `async teardown() { ${options.teardown} },`}
};
`,
  );
}
