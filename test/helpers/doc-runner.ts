import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** A fenced code block of a markdown file: its language, its info string after it, its text. */
export interface Block {
  readonly lang: string;
  readonly info: string;
  readonly body: string;
  readonly line: number;
}

export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*(.*)$/.exec(lines[i] as string);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] as string);
    blocks.push({
      lang: open[1] as string,
      info: (open[2] as string).trim(),
      body: `${body.join('\n')}\n`,
      line: start + 1,
    });
  }
  return blocks;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Blocks whose info string has this word are skipped (they are run elsewhere). */
  readonly skipTag?: string;
}

/**
 * Runs a document's blocks in order: `file=PATH` blocks are written under `cwd`, `sh` blocks
 * are run there (each must exit 0), and a `text output` block must equal the stdout of the
 * `sh` block before it. Any other block is an error, so nothing in the document goes unchecked.
 */
export function runBlocks(blocks: readonly Block[], options: RunOptions): { ran: number } {
  let lastOutput: string | undefined;
  let ran = 0;
  const env = {
    ...process.env,
    ...options.env,
    PATH: [join(options.cwd, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
  };
  for (const block of blocks) {
    const where = `block at line ${block.line}`;
    const file = /(?:^|\s)file=(\S+)/.exec(block.info)?.[1];
    if (options.skipTag !== undefined && block.info.split(/\s+/).includes(options.skipTag)) continue;
    if (file !== undefined) {
      mkdirSync(dirname(join(options.cwd, file)), { recursive: true });
      writeFileSync(join(options.cwd, file), block.body);
    } else if (block.lang === 'sh') {
      try {
        lastOutput = execFileSync('sh', ['-e', '-c', block.body], {
          cwd: options.cwd,
          env,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        throw new Error(`${where} failed:\n${block.body}\nstdout: ${stdout}\nstderr: ${stderr}`);
      }
    } else if (block.lang === 'text' && block.info === 'output') {
      if (lastOutput === undefined) throw new Error(`${where}: an output block with no command before it`);
      if (lastOutput.trim() !== block.body.trim()) {
        throw new Error(`${where}: expected output\n${block.body}\ngot\n${lastOutput}`);
      }
    } else {
      throw new Error(`${where} (${block.lang} ${block.info}) is neither a file=, an sh, nor an output block`);
    }
    ran++;
  }
  return { ran };
}
