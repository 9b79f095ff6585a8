import { statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { createCalculator } from './calculator.js';
import { formatError, formatFailure, formatResult, type Mode } from './format.js';
import { runRepl } from './repl.js';

// `npm run calc -- "2 + 3 * 4"` evaluates one expression; with none, it starts a REPL.

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

interface CliOptions {
  readonly plugins: string[];
  readonly json?: true;
}

// An argument like `-x` or `--name` is an option; `-2 ^ 2` or `-(1)` is an expression.
const OPTION_LIKE = /^--?[A-Za-z]/;

function createProgram(): Command {
  return new Command('calc')
    .description('A calculator whose operators are all plugins')
    .argument('[expression...]', 'the expression to evaluate (words are joined by spaces); without one, start a REPL')
    .addOption(
      new Option('--plugins <dir>', 'load operator plugins from <dir> instead of the bundled ones (repeatable)')
        .argParser(collect)
        .default([], 'the bundled plugins'),
    )
    .option('--json', 'print results and errors as JSON')
    .allowUnknownOption() // so that `calc "-2 ^ 2"` is an expression; real unknown options are caught below
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  calc "2 + 3 * 4"               14
  calc --json "2 ^ 3 ^ 2"        {"expression":"2 ^ 3 ^ 2","result":512}
  calc --plugins ./my-operators  REPL over the operators in ./my-operators

Exit codes: 0 success, 1 syntax or evaluation error, 2 usage error.`,
    );
}

async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  let options: CliOptions;
  try {
    program.parse(argv);
    options = program.opts<CliOptions>();
    checkUsage(program, options, argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === EXIT_OK ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  const mode: Mode = options.json === true ? 'json' : 'text';
  const print = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);

  const calculator = await createCalculator({ pluginDirs: options.plugins.length > 0 ? options.plugins : undefined });
  try {
    for (const failure of calculator.failures) print(process.stderr, formatFailure(failure, mode));
    if (program.args.length === 0) {
      const interactive = process.stdin.isTTY === true;
      await runRepl({
        calculator,
        input: process.stdin,
        output: process.stdout,
        errors: process.stderr,
        mode,
        interactive,
      });
      return EXIT_OK;
    }
    const expression = program.args.join(' ');
    try {
      print(process.stdout, formatResult(expression, await calculator.evaluate(expression), mode));
      return EXIT_OK;
    } catch (error) {
      print(process.stderr, formatError(expression, error, mode));
      return EXIT_FAILED;
    }
  } finally {
    for (const failure of await calculator.close()) print(process.stderr, formatFailure(failure, mode));
  }
}

/** Rejects option-like arguments commander let through, and plugin folders that do not exist. */
function checkUsage(program: Command, options: CliOptions, argv: readonly string[]): void {
  const dashes = argv.indexOf('--');
  const afterDashes = new Set(dashes === -1 ? [] : argv.slice(dashes + 1));
  const unknown = program.args.find((arg) => OPTION_LIKE.test(arg) && !afterDashes.has(arg));
  if (unknown !== undefined) {
    program.error(`error: unknown option '${unknown}' (write an expression that starts with a word after --)`, {
      exitCode: EXIT_USAGE,
    });
  }
  for (const dir of options.plugins) {
    if (!isDirectory(dir)) program.error(`error: --plugins ${dir}: no such directory`, { exitCode: EXIT_USAGE });
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

process.exitCode = await main(process.argv);
