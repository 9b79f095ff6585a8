import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'plugins');

const cleanups: (() => void | Promise<void>)[] = [];

/** Runs `cleanup` after the current test, last registered first. */
export function onCleanup(cleanup: () => void | Promise<void>): void {
  cleanups.push(cleanup);
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh directory outside the repository, removed after the test. */
export function tempDir(prefix = 'plugboard-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A plugins directory holding copies of the named fixtures (real files, outside the repo). */
export function pluginsDir(...fixtures: string[]): string {
  const dir = join(tempDir(), 'plugins');
  mkdirSync(dir);
  for (const fixture of fixtures) cpSync(join(fixturesDir, fixture), join(dir, fixture), { recursive: true });
  return dir;
}

/** Writes a plugin folder from a manifest and entry source; returns its path. */
export function writePlugin(dir: string, manifest: Record<string, unknown>, code: string): string {
  const folder = join(dir, String(manifest.name));
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'plugin.json'), JSON.stringify(manifest, null, 2));
  const main = String(manifest.main ?? 'index.js');
  mkdirSync(dirname(join(folder, main)), { recursive: true });
  writeFileSync(join(folder, main), code);
  return folder;
}
