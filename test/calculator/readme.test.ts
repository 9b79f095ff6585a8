import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/fixtures.js';

// Every `$ command` in the calculator's README is run as written, from the root of the clone,
// and must print what the README shows after it (stdout and stderr together, in order).

interface Example {
  readonly command: string;
  readonly output: string;
  readonly line: number;
}

function examples(markdown: string): Example[] {
  const found: Example[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```console') continue;
    let current: { command: string; output: string[]; line: number } | undefined;
    for (i++; i < lines.length && lines[i] !== '```'; i++) {
      const text = lines[i] as string;
      if (text.startsWith('$ ')) {
        if (current !== undefined) found.push({ ...current, output: current.output.join('\n') });
        current = { command: text.slice(2), output: [], line: i + 1 };
      } else current?.output.push(text);
    }
    if (current !== undefined) found.push({ ...current, output: current.output.join('\n') });
  }
  return found;
}

// A transcript typed at a terminal (prompts `> `) cannot be piped: the REPL shows prompts only on a TTY.
// Those are the REPL session and the live reload session.
const all = examples(readFileSync(join(repoRoot, 'examples/calculator/README.md'), 'utf8'));
const runnable = all.filter((example) => !example.output.split('\n').some((line) => line.startsWith('> ')));

/** What the reader sees, without npm's own header, with the clone's path written as `.`. */
function shown(output: string): string {
  const lines = output.split('\n');
  while (lines.length > 0 && (lines[0] === '' || (lines[0] as string).startsWith('> '))) lines.shift();
  return lines.join('\n').replaceAll(`${repoRoot}/`, './').trimEnd();
}

describe('examples/calculator/README.md runs as written', () => {
  test('it has examples, and only the two terminal transcripts are left out', () => {
    expect(runnable.length).toBeGreaterThan(12);
    expect(all.length - runnable.length).toBe(2);
  });

  test.concurrent.each(runnable.map((example) => [example.line, example.command, example] as const))(
    'line %i: %s',
    async (_, command, example) => {
      // The newline ends a trailing `# comment` before stderr is joined to stdout.
      const run = spawnSync('sh', ['-c', `{ ${command}\n} 2>&1`], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
      expect(shown(run.stdout)).toBe(example.output.trimEnd());
      // An exit code the README states in its comment (`# on stderr, exit 2`).
      const exit = /\s#\s[^'"]*exit (\d+)$/.exec(command)?.[1];
      if (exit !== undefined) expect(run.status).toBe(Number(exit));
    },
    60_000,
  );
});
