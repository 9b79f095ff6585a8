import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codeBlocks, runBlocks } from './helpers/doc-runner.js';
import { repoRoot, tempDir } from './helpers/fixtures.js';

// The guides are run as written, in a fresh project that installs plugboard from a tarball
// packed from this repository: the same steps a reader takes.

let tarball: string;
const packDir = mkdtempSync(join(tmpdir(), 'plugboard-pack-'));

afterAll(() => rmSync(packDir, { recursive: true, force: true }));

beforeAll(() => {
  const dir = packDir;
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  tarball = join(dir, readdirSync(dir).find((name) => name.endsWith('.tgz')) as string);
}, 60_000);

function read(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

describe('docs run as written', () => {
  test('docs/plugin-authoring.md', { timeout: 120_000 }, () => {
    const { ran } = runBlocks(codeBlocks(read('docs/plugin-authoring.md')), {
      cwd: tempDir('plugboard-guide-'),
      env: { PLUGBOARD_TARBALL: tarball },
    });
    expect(ran).toBeGreaterThan(10);
  });

  test('docs/security.md', { timeout: 120_000 }, () => {
    const { ran } = runBlocks(codeBlocks(read('docs/security.md')), {
      cwd: tempDir('plugboard-security-'),
      env: { PLUGBOARD_TARBALL: tarball },
    });
    expect(ran).toBeGreaterThan(3);
  });

  test('docs/hot-reload.md', { timeout: 120_000 }, () => {
    const { ran } = runBlocks(codeBlocks(read('docs/hot-reload.md')), {
      cwd: tempDir('plugboard-reload-'),
      env: { PLUGBOARD_TARBALL: tarball },
    });
    expect(ran).toBeGreaterThan(3);
  });

  test('the tour in README.md', { timeout: 120_000 }, () => {
    const blocks = codeBlocks(read('README.md'));
    const { ran } = runBlocks(blocks, {
      cwd: tempDir('plugboard-readme-'),
      env: { PLUGBOARD_TARBALL: tarball },
      skipTag: 'quickstart',
    });
    expect(ran).toBeGreaterThan(3);
  });
});
