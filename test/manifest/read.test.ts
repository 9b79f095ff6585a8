import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readManifest } from '../../src/manifest/read.js';
import { fixturesDir } from '../helpers/fixtures.js';

function failure(folder: string): unknown {
  try {
    readManifest(join(fixturesDir, folder));
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${folder} to fail`);
}

describe('readManifest', () => {
  test('reads plugin.json', () => {
    expect(readManifest(join(fixturesDir, 'good'))).toMatchObject({ name: 'good', version: '1.0.0' });
  });

  test('reads the plugboard field of package.json, filling in from the package itself', () => {
    expect(readManifest(join(fixturesDir, 'package-json'))).toEqual({
      name: 'package-json',
      version: '2.1.0',
      description: 'manifest in package.json',
      main: 'index.js',
      provides: { 'test.greeter': '^1.0.0' },
    });
  });

  test('names the failure: no manifest, malformed JSON, invalid fields (with all issues)', () => {
    expect(failure('no-manifest')).toMatchObject({ code: 'MANIFEST_NOT_FOUND' });
    expect(failure('malformed-json')).toMatchObject({ code: 'MANIFEST_MALFORMED_JSON' });
    expect(failure('bad-version')).toMatchObject({
      code: 'MANIFEST_VERSION_INVALID',
      plugin: 'bad-version',
      version: undefined,
      issues: [
        { code: 'MANIFEST_VERSION_INVALID', path: 'version', message: 'expected a semver version, got `banana`' },
      ],
    });
  });
});
