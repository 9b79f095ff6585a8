import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { pluginsDir, repoRoot } from './helpers/fixtures.js';

const bin = join(repoRoot, 'dist', 'cli', 'main.js');

function plugboard(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the plugboard command', () => {
  test('--version prints the package version', () => {
    const { code, stdout } = plugboard('--version');
    expect([code, stdout.trim()]).toEqual([0, '0.1.0']);
  });

  test('validate passes a good folder, without running plugin code', () => {
    const { code, stdout } = plugboard('validate', pluginsDir('good', 'throws-on-import'));
    expect(code).toBe(0);
    expect(stdout).toContain('ok    good@1.0.0');
    expect(stdout).toContain('ok    throws-on-import@1.0.0');
  });

  test('validate fails with exit 1 and names each problem and its code', () => {
    const { code, stdout } = plugboard('validate', pluginsDir('good', 'bad-version', 'main-outside'));
    expect(code).toBe(1);
    expect(stdout).toContain('MANIFEST_VERSION_INVALID');
    expect(stdout).toContain('ENTRY_OUTSIDE_PLUGIN');
    expect(stdout).toContain('ok    good@1.0.0');
  });

  test('list --json prints machine-readable results and exits 0 even with problems', () => {
    const { code, stdout } = plugboard('list', '--json', pluginsDir('good', 'malformed-json'));
    const results = JSON.parse(stdout) as { ok: boolean; manifest?: { name: string }; error?: { code: string } }[];
    expect(code).toBe(0);
    expect(results.map((r) => (r.ok ? r.manifest?.name : r.error?.code))).toEqual(['good', 'MANIFEST_MALFORMED_JSON']);
  });

  test('a directory that does not exist is reported on stderr with exit 2', () => {
    const { code, stderr } = plugboard('list', join(repoRoot, 'no-such-dir'));
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read the plugins directory');
  });
});
