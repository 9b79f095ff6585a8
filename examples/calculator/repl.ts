import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Calculator } from './calculator.js';
import { formatChange, formatError, formatOperators, formatResult, formatUnknownCommand, type Mode } from './format.js';

/** Where the REPL writes: results on `output`, errors on `errors`. */
interface Sink {
  write(text: string): unknown;
}

export interface ReplOptions {
  readonly calculator: Calculator;
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errors: Sink;
  readonly mode: Mode;
  /** Show a prompt and let readline edit lines; only when the input is a terminal. */
  readonly interactive: boolean;
}

export const REPL_HELP = `Type an expression, such as 2 + 3 * 4, and press Enter.
  :plugins  list the operators and the plugins that provide them
  :help     show this help
  :quit     leave (end of input does too)`;

/**
 * Reads lines until `:quit` or the end of the input; one line of input is handled at a time.
 * Changes to the plugins (when the calculator watches them) are printed on `errors` as they come.
 */
export async function runRepl(options: ReplOptions): Promise<void> {
  const { calculator, input, output, errors, mode, interactive } = options;
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive, prompt: '> ' });
  const print = (sink: Sink, text: string) => sink.write(`${text}\n`);
  // While the prompt waits, a change is printed above it and the prompt is drawn again with what was typed.
  let prompting = false;
  const prompt = () => {
    prompting = true;
    rl.prompt(true);
  };
  rl.on('line', () => {
    prompting = false;
  });
  const stopChanges = calculator.onChange((change) => {
    if (interactive && prompting) {
      clearLine(output, 0);
      cursorTo(output, 0);
    }
    print(errors, formatChange(change, mode));
    if (interactive && prompting) prompt();
  });
  rl.on('SIGINT', () => rl.close());
  try {
    if (interactive) prompt();
    for await (const line of rl) {
      const entry = line.trim();
      if (entry === ':quit') break;
      if (entry === ':help') print(output, REPL_HELP);
      else if (entry === ':plugins') print(output, formatOperators(calculator.operators(), mode));
      else if (entry.startsWith(':')) print(errors, formatUnknownCommand(entry, mode));
      else if (entry !== '') {
        try {
          print(output, formatResult(entry, await calculator.evaluate(entry), mode));
        } catch (error) {
          print(errors, formatError(entry, error, mode));
        }
      }
      if (interactive) prompt();
    }
  } finally {
    stopChanges();
    rl.close();
  }
}
