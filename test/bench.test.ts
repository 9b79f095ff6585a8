// A smoke test of the benchmark harness: `npm run bench -- --quick` runs and reports every figure.
// It asserts the shape of the results, never a timing.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const FIGURES = [
  'call',
  'call-validated',
  'load',
  'load-large',
  'load-hook',
  'load-large-hook',
  'scan',
  'memory-rss',
  'memory-heap',
  'worker-call',
  'worker-call-shared',
  'worker-pipelined',
  'process-call',
  'worker-start',
  'process-start',
  'process-start-pool',
  'worker-unload-rss',
  'reload-inline',
  'reload-inline-direct',
  'reload-worker',
  'reload-worker-direct',
  'reload-process',
  'reload-process-pool',
  'reload-calls-failed',
  'reload-calls-worst-inline',
  'reload-calls-worst-worker',
  'reload-calls-worst-process',
  'reload-memory-inline-rss',
  'reload-memory-inline-heap',
  'reload-memory-worker-rss',
  'reload-memory-process-rss',
];

interface Results {
  node: unknown;
  cpu: unknown;
  date: unknown;
  quick: unknown;
  figures: { id: string; label: string; value: unknown; baseline: unknown; ratio: unknown; pass: unknown }[];
}

describe('bench --quick', () => {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('writes every figure with a numeric value and baseline measured in the same run', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'plugboard-bench-test-'));
    folders.push(folder);
    const out = join(folder, 'results.json');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: root,
    });

    const results = JSON.parse(await readFile(out, 'utf8')) as Results;
    expect(results).toMatchObject({ node: process.version, quick: true });
    expect(results.cpu).toEqual(expect.any(String));
    expect(Number.isNaN(Date.parse(String(results.date)))).toBe(false);
    expect(results.figures.map((figure) => figure.id).sort()).toEqual([...FIGURES].sort());
    for (const figure of results.figures) {
      expect(figure, figure.id).toMatchObject({
        value: expect.any(Number),
        baseline: expect.any(Number),
        ratio: expect.any(Number),
        pass: null,
      });
      expect(Number.isFinite(figure.value), figure.id).toBe(true);
      expect(Number.isFinite(figure.baseline), figure.id).toBe(true);
    }
    for (const id of FIGURES) expect(stdout).toContain(results.figures.find((figure) => figure.id === id)?.label);
  }, 180_000);
});
