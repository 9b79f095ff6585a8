import { Command, CommanderError, Option } from 'commander';
import type { IsolationMode } from 'plugboard';
import { createCalculator, DEFAULT_CALL_TIMEOUT_MS } from './calculator.js';
import { formatError, formatFailure, formatResult, formatUsageError, type Mode } from './format.js';
import { runRepl } from './repl.js';
import { checkArguments, checkPluginDirs, parseIsolation, parseTimeout, UsageError } from './usage.js';

// `npm run calc -- "2 + 3 * 4"` evaluates one expression; with none, it starts a REPL.

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const TIMEOUT = String(DEFAULT_CALL_TIMEOUT_MS);

interface CliOptions {
  readonly plugins: string[];
  readonly json?: true;
  readonly isolation: string;
  readonly timeout: string;
  readonly watch: boolean;
}

/** What the command line asks for, checked. */
interface Settings {
  readonly pluginDirs: readonly string[] | undefined;
  readonly isolation: IsolationMode;
  readonly callTimeoutMs: number;
  readonly mode: Mode;
  /** Whether the REPL watches the plugin folders; never in one-shot mode, which exits at once. */
  readonly watch: boolean;
  /** Undefined for the REPL. */
  readonly expression: string | undefined;
}

function createProgram(): Command {
  return new Command('calc')
    .description('A calculator whose operators are all plugins')
    .argument('[expression...]', 'the expression to evaluate (words are joined by spaces); without one, start a REPL')
    .addOption(
      new Option('--plugins <dir>', 'load operator plugins from <dir> instead of the bundled ones (repeatable)')
        .argParser(collect)
        .default([], 'the bundled plugins'),
    )
    .addOption(
      new Option('--isolation <mode>', 'where operators run: inline, worker or process').default('inline', 'inline'),
    )
    .addOption(new Option('--timeout <ms>', 'deadline of each operator call, in ms').default(TIMEOUT, TIMEOUT))
    .option('--json', 'print results and errors as JSON')
    .option('--no-watch', 'in the REPL, do not follow changes to the plugin folders')
    .allowUnknownOption() // so that `calc "-2 ^ 2"` is an expression; real unknown options are caught below
    .exitOverride()
    .configureOutput({ outputError: () => {} }) // usage errors are printed with their code, as text or JSON
    .addHelpText(
      'after',
      `
Examples:
  calc "2 + 3 * 4"                       14
  calc --json "2 ^ 3 ^ 2"                {"expression":"2 ^ 3 ^ 2","result":512}
  calc --plugins ./my-operators          REPL over ./my-operators, following its changes
  calc --isolation process "2 + 3 * 4"   14, each operator in its own child process

Exit codes: 0 success, 1 syntax or evaluation error, 2 usage error.`,
    );
}

async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  const print = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);
  let settings: Settings;
  try {
    settings = readSettings(program, argv);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === EXIT_OK) return EXIT_OK; // --help
    const usage = toUsageError(error);
    print(process.stderr, formatUsageError(usage, program.opts<CliOptions>().json === true ? 'json' : 'text'));
    return EXIT_USAGE;
  }
  const { pluginDirs, isolation, callTimeoutMs, mode, watch, expression } = settings;

  const calculator = await createCalculator({ pluginDirs, isolation, callTimeoutMs, watch });
  try {
    for (const failure of calculator.failures) print(process.stderr, formatFailure(failure, mode));
    if (expression === undefined) {
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

/** Parses the arguments; throws a UsageError, or commander's error for `--help`. */
function readSettings(program: Command, argv: readonly string[]): Settings {
  program.parse(argv);
  const options = program.opts<CliOptions>();
  checkArguments(program.args, argv);
  checkPluginDirs(options.plugins);
  const expression = program.args.length > 0 ? program.args.join(' ') : undefined;
  return {
    pluginDirs: options.plugins.length > 0 ? options.plugins : undefined,
    isolation: parseIsolation(options.isolation),
    callTimeoutMs: parseTimeout(options.timeout),
    mode: options.json === true ? 'json' : 'text',
    watch: options.watch && expression === undefined,
    expression,
  };
}

/** Commander's own errors, given a code; with unknown options allowed, a missing value is the only one. */
function toUsageError(error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  if (error instanceof CommanderError && error.code === 'commander.optionMissingArgument') {
    return new UsageError('OPTION_VALUE_MISSING', error.message.replace(/^error: /, ''));
  }
  throw error;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

process.exitCode = await main(process.argv);
