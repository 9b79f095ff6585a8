import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readManifest } from '../../src/manifest/read.js';
import { fixturesDir } from '../helpers/fixtures.js';

describe('readManifest', () => {
  test('reads plugin.json', async () => {
    await expect(readManifest(join(fixturesDir, 'good'))).resolves.toMatchObject({ name: 'good', version: '1.0.0' });
  });

  test('reads the plugboard field of package.json, filling in from the package itself', async () => {
    await expect(readManifest(join(fixturesDir, 'package-json'))).resolves.toEqual({
      name: 'package-json',
      version: '2.1.0',
      description: 'manifest in package.json',
      main: 'index.js',
      provides: { 'test.greeter': '^1.0.0' },
    });
  });

  test('names the failure: no manifest, malformed JSON, invalid fields (with all issues)', async () => {
    await expect(readManifest(join(fixturesDir, 'no-manifest'))).rejects.toMatchObject({ code: 'MANIFEST_NOT_FOUND' });
    await expect(readManifest(join(fixturesDir, 'malformed-json'))).rejects.toMatchObject({
      code: 'MANIFEST_MALFORMED_JSON',
    });
    await expect(readManifest(join(fixturesDir, 'bad-version'))).rejects.toMatchObject({
      code: 'MANIFEST_VERSION_INVALID',
      plugin: 'bad-version',
      version: undefined,
      issues: [
        { code: 'MANIFEST_VERSION_INVALID', path: 'version', message: 'expected a semver version, got `banana`' },
      ],
    });
  });
});
