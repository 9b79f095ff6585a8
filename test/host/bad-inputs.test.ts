import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isPluginError, type PluginErrorCode } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { PLUGIN_SIDE_FAILURES } from '../helpers/bad-plugins.js';
import { Greeter } from '../helpers/contracts.js';
import { fixturesDir, pluginsDir } from '../helpers/fixtures.js';
import { testHost } from '../helpers/host.js';

// Each bad plugin is loaded from a folder beside a good one: the bad one fails with its own
// code, names itself, and the good one still loads and answers.
const cases: [fixture: string, code: PluginErrorCode][] = [
  ['malformed-json', 'MANIFEST_MALFORMED_JSON'],
  ['missing-name', 'MANIFEST_FIELD_MISSING'],
  ['missing-version', 'MANIFEST_FIELD_MISSING'],
  ['missing-main', 'MANIFEST_FIELD_MISSING'],
  ['missing-provides', 'MANIFEST_FIELD_MISSING'],
  ['bad-version', 'MANIFEST_VERSION_INVALID'],
  ['bad-range', 'MANIFEST_RANGE_INVALID'],
  ['bad-field-type', 'MANIFEST_FIELD_INVALID'],
  ['unknown-field', 'MANIFEST_FIELD_UNKNOWN'],
  ['no-manifest', 'MANIFEST_NOT_FOUND'],
  ['incompatible-contract', 'CONTRACT_INCOMPATIBLE'],
  ['incompatible-host', 'HOST_INCOMPATIBLE'],
  ['unknown-contract', 'CONTRACT_UNKNOWN'],
  ['wants-worker', 'ISOLATION_UNAVAILABLE'],
  ['main-outside', 'ENTRY_OUTSIDE_PLUGIN'],
  ['entry-missing', 'ENTRY_NOT_FOUND'],
  ['integrity-mismatch', 'INTEGRITY_MISMATCH'],
  ...PLUGIN_SIDE_FAILURES,
  ['good-again', 'DUPLICATE_NAME'], // also named `good`: the first in folder order stays,
  ['missing-dependency', 'DEPENDENCY_MISSING'],
  ['dependency-incompatible', 'DEPENDENCY_INCOMPATIBLE'],
];

describe('a bad plugin is rejected with its own code, and the rest of the folder loads', () => {
  test.each(cases)('%s → %s', async (fixture, code) => {
    const dir = pluginsDir('good', fixture);
    const host = testHost({ timeouts: { importMs: 200, setupMs: 200 } });

    const report = await host.loadDirectory(dir);

    expect(report.failed).toHaveLength(1);
    const [failure] = report.failed;
    expect(failure?.path).toBe(join(dir, fixture));
    expect(isPluginError(failure?.error)).toBe(true);
    expect(failure?.error.code).toBe(code);
    expect(failure?.error.path).toBeDefined();
    expect(report.loaded.map((plugin) => plugin.name)).toEqual(['good']);
    expect(host.get(Greeter, 'good').greet('ada')).toBe('hello ada');
  });

  test('a plugin folder that is a symlink out of the plugins folder is rejected', async () => {
    const dir = pluginsDir('good');
    symlinkSync(join(fixturesDir, 'good'), join(dir, 'escape'), 'dir');
    const host = testHost();

    const report = await host.loadDirectory(dir);

    expect(report.failed.map((failure) => [failure.path, failure.error.code])).toEqual([
      [join(dir, 'escape'), 'PLUGIN_OUTSIDE_DIRECTORY'],
    ]);
    expect(report.loaded.map((plugin) => plugin.name)).toEqual(['good']);
  });

  test('a symlink to a folder inside the plugins folder is followed', async () => {
    const dir = pluginsDir('package-json');
    symlinkSync(join(dir, 'package-json'), join(dir, 'alias'), 'dir');
    const host = testHost();

    const report = await host.loadDirectory(dir);

    // Both names point at one real folder: it loads once, the second is a duplicate name.
    expect(report.loaded.map((plugin) => plugin.path)).toEqual([join(dir, 'alias')]);
    expect(report.failed.map((failure) => failure.error.code)).toEqual(['DUPLICATE_NAME']);
  });

  test('both plugins of a dependency cycle fail, each naming the cycle', async () => {
    const dir = pluginsDir('good', 'cycle-a', 'cycle-b');
    const host = testHost();

    const report = await host.loadDirectory(dir);

    expect(report.failed.map((failure) => [failure.name, failure.error.code, failure.error.related])).toEqual([
      ['cycle-a', 'DEPENDENCY_CYCLE', ['cycle-a', 'cycle-b']],
      ['cycle-b', 'DEPENDENCY_CYCLE', ['cycle-a', 'cycle-b']],
    ]);
    expect(report.loaded.map((plugin) => plugin.name)).toEqual(['good']);
  });

  test('an entry matching its integrity hash loads; a changed one is refused', async () => {
    const host = testHost();

    const report = await host.loadDirectory(pluginsDir('integrity-ok', 'integrity-mismatch'));

    expect(report.loaded.map((plugin) => plugin.name)).toEqual(['integrity-ok']);
    expect(report.failed.map((failure) => failure.error.code)).toEqual(['INTEGRITY_MISMATCH']);
  });

  test('a failed plugin is listed with its state and error', async () => {
    const host = testHost();
    await host.loadDirectory(pluginsDir('good', 'throws-in-setup'));

    const failed = host.list().find((plugin) => plugin.name === 'throws-in-setup');

    expect(failed?.state).toBe('failed');
    expect(failed?.error?.code).toBe('SETUP_FAILED');
    expect(failed?.error?.cause).toBeInstanceOf(Error);
  });
});
