import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { onCleanup, repoRoot, tempDir } from '../helpers/fixtures.js';
import { copyBundledPlugins } from './helpers.js';

// A real REPL process over a temporary copy of the bundled plugins, edited while it runs. Each step
// waits for the line the REPL prints about the change before typing the next expression.

interface Lines {
  /** The next line that `match` accepts; lines before it are passed over. Fails if the stream ends first. */
  next(match?: (line: string) => boolean): Promise<string>;
}

function linesOf(stream: NodeJS.ReadableStream, name: string): Lines {
  const queue: string[] = [];
  const seen: string[] = [];
  let partial = '';
  let ended = false;
  let wake: (() => void) | undefined;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    queue.push(...parts);
    wake?.();
  });
  stream.on('end', () => {
    ended = true;
    wake?.();
  });
  return {
    async next(match = () => true) {
      for (;;) {
        const line = queue.shift();
        if (line !== undefined) {
          seen.push(line);
          if (match(line)) return line;
          continue;
        }
        if (ended) throw new Error(`${name} ended before the line awaited; it printed:\n${seen.join('\n')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

interface Repl {
  readonly stdout: Lines;
  readonly stderr: Lines;
  /** Types a line. */
  send(line: string): void;
  /** Ends the input; resolves to the exit code. */
  end(): Promise<number | null>;
}

function startRepl(args: readonly string[]): Repl {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', 'examples/calculator/cli.ts', ...args],
    { cwd: repoRoot, stdio: 'pipe' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  });
  return {
    stdout: linesOf(child.stdout, 'stdout'),
    stderr: linesOf(child.stderr, 'stderr'),
    send: (line) => child.stdin.write(`${line}\n`),
    end: () => {
      child.stdin.end();
      return exited;
    },
  };
}

/** An operator plugin's entry file. */
function operatorCode(symbol: string, precedence: number, execute: string): string {
  return `import { definePlugin } from 'plugboard';

export default definePlugin({
  setup: () => ({
    'calc.operation': { symbol: '${symbol}', precedence: ${precedence}, associativity: 'left', arity: 2, execute: ${execute} },
  }),
});
`;
}

/** Writes a `max` plugin beside `plugins` and moves it in at once, as a folder dropped in. */
function dropMaxPlugin(plugins: string): void {
  const staging = join(tempDir('calculator-staging-'), 'max');
  mkdirSync(staging);
  writeFileSync(join(staging, 'index.js'), operatorCode('max', 2, '(a, b) => Math.max(a, b)'));
  const manifest = { name: 'max', version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } };
  writeFileSync(join(staging, 'plugin.json'), JSON.stringify(manifest));
  renameSync(staging, join(plugins, 'max'));
}

/** Edits a manifest's version (in plugin.json or package.json); written after the code, as the last step. */
function setVersion(file: string, version: string): void {
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version }, null, 2));
}

const BROKEN_CODE = "import { definePlugin } from 'plugboard';\nexport default definePlugin({ setup: () => ({\n";

describe.each(['inline', 'worker'])(
  'the calc REPL watches its plugins folder (--isolation %s, --json)',
  (isolation) => {
    test('a folder dropped in, an edit, a broken save and a removal each apply while the REPL runs', {
      timeout: 40_000,
    }, async () => {
      const plugins = copyBundledPlugins();
      const repl = startRepl(['--json', '--isolation', isolation, '--plugins', plugins]);
      const result = async (expression: string) => {
        repl.send(expression);
        return JSON.parse(await repl.stdout.next());
      };
      const change = async (key: string, match: (value: Record<string, unknown>) => boolean) =>
        JSON.parse(await repl.stderr.next((line) => key in JSON.parse(line) && match(JSON.parse(line)[key])));
      const failure = async (expression: string) => {
        repl.send(expression);
        return JSON.parse(await repl.stderr.next((line) => JSON.parse(line).expression === expression));
      };

      // The first answer means the plugins are loaded and watched: the REPL starts reading after that.
      expect(await result('2 + 3 * 4')).toEqual({ expression: '2 + 3 * 4', result: 14 });

      dropMaxPlugin(plugins);
      expect(await change('loaded', (loaded) => loaded.plugin === 'max')).toEqual({
        loaded: {
          plugin: 'max',
          version: '1.0.0',
          operator: { symbol: 'max', arity: 2, precedence: 2, associativity: 'left' },
        },
      });
      expect(await result('3 max 7')).toEqual({ expression: '3 max 7', result: 7 });

      // `+` now binds tighter than `*`: the table follows what the new version declares.
      writeFileSync(join(plugins, 'add', 'index.js'), operatorCode('+', 3, '(a, b) => a + b'));
      setVersion(join(plugins, 'add', 'plugin.json'), '1.0.1');
      expect(await change('reloaded', (reloaded) => reloaded.to === '1.0.1')).toMatchObject({
        reloaded: { plugin: 'add', to: '1.0.1', operator: { symbol: '+', precedence: 3 } },
      });
      expect(await result('2 + 3 * 4')).toEqual({ expression: '2 + 3 * 4', result: 20 });

      // A new symbol: the old one is gone.
      writeFileSync(join(plugins, 'power', 'index.js'), operatorCode('**', 4, '(a, b) => a ** b'));
      setVersion(join(plugins, 'power', 'package.json'), '1.0.1');
      expect(await change('reloaded', (reloaded) => reloaded.to === '1.0.1' && reloaded.plugin === 'power')).toEqual({
        reloaded: {
          plugin: 'power',
          from: '1.0.0',
          to: '1.0.1',
          operator: { symbol: '**', arity: 2, precedence: 4, associativity: 'left' },
        },
      });
      expect(await result('2 ** 10')).toEqual({ expression: '2 ** 10', result: 1024 });
      expect(await failure('2 ^ 10')).toMatchObject({ error: { code: 'UNKNOWN_OPERATOR' } });

      // A syntax error: reported with its code, and the version before keeps answering.
      writeFileSync(join(plugins, 'add', 'index.js'), BROKEN_CODE);
      expect(await change('reload', (reload) => reload.plugin === 'add')).toEqual({
        reload: { plugin: 'add', version: '1.0.1', attempted: '1.0.1' },
        error: { code: 'ENTRY_IMPORT_FAILED', message: expect.any(String) },
      });
      expect(await result('2 + 3 * 4')).toEqual({ expression: '2 + 3 * 4', result: 20 });

      rmSync(join(plugins, 'max'), { recursive: true });
      expect(await change('removed', (removed) => removed.plugin === 'max')).toMatchObject({
        removed: { plugin: 'max', version: '1.0.0', operator: { symbol: 'max' } },
      });
      expect(await failure('3 max 7')).toMatchObject({ error: { code: 'UNKNOWN_OPERATOR' } });
      repl.send(':plugins');
      const { operators } = JSON.parse(await repl.stdout.next());
      expect(
        operators.map(({ symbol, plugin, version }: Record<string, string>) => `${symbol} ${plugin}@${version}`),
      ).toEqual([
        '% modulo@1.0.0',
        '* multiply@1.0.0',
        '** power@1.0.1',
        '+ add@1.0.1',
        '- negate@1.0.0',
        '- subtract@1.0.0',
        '/ divide@1.0.0',
      ]);

      expect(await repl.end()).toBe(0);
    });
  },
);

describe('the calc REPL, in text', () => {
  test('prints one line per change on stderr, results alone on stdout', { timeout: 40_000 }, async () => {
    const plugins = copyBundledPlugins();
    const repl = startRepl(['--plugins', plugins]);
    const result = async (expression: string) => {
      repl.send(expression);
      return repl.stdout.next();
    };
    expect(await result('2 + 3 * 4')).toBe('14');

    dropMaxPlugin(plugins);
    expect(await repl.stderr.next()).toBe('loaded max (max@1.0.0)');
    expect(await result('3 max 7')).toBe('7');

    // One write, so one reload (the version stays: the JSON test above changes it).
    writeFileSync(join(plugins, 'power', 'index.js'), operatorCode('**', 4, '(a, b) => a ** b'));
    expect(await repl.stderr.next((line) => line.includes('power'))).toBe('reloaded ** (power@1.0.0, was ^)');
    expect(await result('2 ** 3')).toBe('8');

    writeFileSync(join(plugins, 'power', 'index.js'), BROKEN_CODE);
    const failed = await repl.stderr.next((line) => line.startsWith('reload of'));
    expect(failed.startsWith('reload of power failed: ENTRY_IMPORT_FAILED: ')).toBe(true);
    expect(failed.endsWith('; power@1.0.0 keeps working')).toBe(true);
    expect(await result('2 ** 3')).toBe('8');

    rmSync(join(plugins, 'max'), { recursive: true });
    expect(await repl.stderr.next((line) => line.startsWith('removed'))).toBe('removed max (max@1.0.0)');
    repl.send(':plugins');
    const symbols: string[] = [];
    await repl.stdout.next(); // the header
    for (let row = 0; row < 7; row++) symbols.push((await repl.stdout.next()).split(/\s+/)[0] as string);
    expect(symbols).toEqual(['%', '*', '**', '+', '-', '-', '/']);

    expect(await repl.end()).toBe(0);
  });

  test('--no-watch leaves the plugins as they were loaded', { timeout: 40_000 }, async () => {
    const plugins = copyBundledPlugins();
    const fixed = startRepl(['--json', '--no-watch', '--plugins', plugins]);
    // A watching REPL over the same folder is the witness that the change was there to be seen.
    const witness = startRepl(['--json', '--plugins', plugins]);
    fixed.send('1 + 1');
    witness.send('1 + 1');
    await Promise.all([fixed.stdout.next(), witness.stdout.next()]);

    dropMaxPlugin(plugins);
    await witness.stderr.next((line) => 'loaded' in JSON.parse(line));
    witness.send('3 max 7');
    expect(JSON.parse(await witness.stdout.next())).toEqual({ expression: '3 max 7', result: 7 });

    fixed.send('3 max 7');
    expect(JSON.parse(await fixed.stderr.next())).toMatchObject({
      expression: '3 max 7',
      error: { code: 'UNKNOWN_OPERATOR' },
    });
    expect(await Promise.all([fixed.end(), witness.end()])).toEqual([0, 0]);
  });
});
