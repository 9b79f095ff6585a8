import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { codeBlocks, runBlocks } from '../helpers/doc-runner.js';
import { repoRoot, tempDir } from '../helpers/fixtures.js';
import { MATRIX, MODES, renderRow } from './matrix.js';

const doc = readFileSync(join(repoRoot, 'docs', 'isolation.md'), 'utf8');

/** The rows of the first table under `heading`, each split into trimmed cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading \`${heading}\``);
  const first = lines.findIndex((line, i) => i > start && line.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first; i >= 0 && i < lines.length && (lines[i] as string).startsWith('|'); i++) {
    rows.push(
      (lines[i] as string)
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('docs/isolation.md', () => {
  test('its fault matrix shows exactly the outcomes the fault suites assert', () => {
    const [header, separator, ...rows] = tableAfter(doc, '## The fault matrix');

    expect(header).toEqual(['scenario (fixture)', ...MODES]);
    expect(separator?.every((cell) => /^-+$/.test(cell))).toBe(true);
    expect(rows).toEqual(MATRIX.map(renderRow));
  });

  test('every scenario is a fixture plugin, and every fixture plugin a scenario', () => {
    const folders = readdirSync(join(repoRoot, 'test', 'fixtures', 'isolation'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'neighbour')
      .map((entry) => entry.name);

    expect([...folders].sort()).toEqual(MATRIX.map((scenario) => scenario.id).sort());
  });

  test('its example runs as written', { timeout: 60_000 }, () => {
    // The first block installs plugboard from a packed tarball; here the project links to this
    // repository's build instead, and the remaining blocks run unchanged.
    const blocks = codeBlocks(doc);
    const install = blocks.findIndex((block) => block.lang === 'sh' && block.body.includes('npm install'));
    expect(install).toBeGreaterThanOrEqual(0);
    const cwd = tempDir('plugboard-isolation-doc-');
    mkdirSync(join(cwd, 'node_modules'));
    symlinkSync(repoRoot, join(cwd, 'node_modules', 'plugboard'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', 'zod'), join(cwd, 'node_modules', 'zod'), 'dir');
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'example', type: 'module' }));

    const { ran } = runBlocks(
      blocks.filter((_, i) => i !== install),
      { cwd },
    );

    expect(ran).toBe(blocks.length - 1);
  });
});
