// The results file and the printed table.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { Figure } from './figure.js';

export interface Results {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly date: string;
  /** The 1-minute load average when the run started: how busy the machine was. */
  readonly loadAverage: number;
  readonly commit: string | null;
  readonly quick: boolean;
  readonly figures: readonly Figure[];
}

export function environment(): Omit<Results, 'quick' | 'figures'> {
  const cores = cpus();
  return {
    node: process.version,
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    date: new Date().toISOString(),
    loadAverage: loadavg()[0] ?? 0,
    commit: gitCommit(),
  };
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty-src` : head;
  } catch {
    return null;
  }
}

export async function writeResults(file: string, results: Results): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

export function formatTable(results: Results): string {
  const rows = results.figures.map((figure) => [
    figure.label,
    amount(figure.value, figure.unit),
    `${amount(figure.baseline, figure.unit)} ${figure.baselineLabel}`,
    `${figure.ratio.toFixed(2)}×`,
    figure.target,
    figure.pass === null ? '·' : figure.pass ? '✓' : '✗',
  ]);
  const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'target', ''];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const rounds = Math.max(...results.figures.map((figure) => figure.samples.value.length));
  return [
    `plugboard bench${results.quick ? ' --quick (smoke test: targets not judged)' : ''}`,
    `${results.node} on ${results.cores} × ${results.cpu}, ${results.date}, commit ${results.commit ?? 'unknown'}, load ${results.loadAverage.toFixed(2)}`,
    `medians of up to ${rounds} rounds; ratio = median of the per-round ratios value ÷ baseline`,
    '',
    line(header),
    line(widths.map((width) => '─'.repeat(width))),
    ...rows.map(line),
  ].join('\n');
}

function amount(value: number, unit: string): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}
