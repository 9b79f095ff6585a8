import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { parseManifest } from '../../src/manifest/parse.js';

const valid = { name: 'add', version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } };

function issuesOf(input: unknown) {
  const result = parseManifest(input);
  if (result.ok) throw new Error('expected issues');
  return result.issues.map((issue) => `${issue.code} ${issue.path}: ${issue.message}`);
}

describe('parseManifest', () => {
  test('accepts a minimal manifest and every optional field', () => {
    expect(parseManifest(valid).ok).toBe(true);
    const full = {
      ...valid,
      $schema: './plugin.schema.json',
      name: '@acme/add',
      version: '1.2.3-beta.1+build.5',
      description: 'adds',
      author: { name: 'Ada', email: 'ada@example.com' },
      license: 'MIT',
      engines: { plugboard: '>=0.1 <2' },
      requires: { 'calc.operation': '^1', 'other-plugin': '~2.0.0' },
      isolation: 'process',
      permissions: { fsRead: ['data'], fsWrite: [], childProcess: false, worker: false, addons: false },
      integrity: 'sha256-QL0g2QarFN5zqIw41bHSb/LNS7IJKwqxj6yQkd5Wias=',
    };
    expect(parseManifest(full)).toEqual({ ok: true, manifest: full });
  });

  test('reports every issue at once, each with its path and what was found', () => {
    expect(
      issuesOf({
        name: 'Bad Name',
        version: 'banana',
        provides: { 'calc.operation': 'not a range!!' },
        isolation: 'docker',
      }),
    ).toEqual([
      'MANIFEST_FIELD_INVALID name: expected an npm-style package name (lower case, url-safe, optionally @scope/), got `Bad Name`',
      'MANIFEST_VERSION_INVALID version: expected a semver version, got `banana`',
      'MANIFEST_FIELD_MISSING main: required, expected a relative path',
      'MANIFEST_RANGE_INVALID provides["calc.operation"]: expected a semver range, got `not a range!!`',
      'MANIFEST_FIELD_INVALID isolation: expected one of inline, worker, process, got `docker`',
    ]);
  });

  test('names each missing required field', () => {
    expect(issuesOf({})).toEqual([
      'MANIFEST_FIELD_MISSING name: required, expected an npm-style package name',
      'MANIFEST_FIELD_MISSING version: required, expected a semver version',
      'MANIFEST_FIELD_MISSING main: required, expected a relative path',
      'MANIFEST_FIELD_MISSING provides: required, expected an object of contract id → semver range',
    ]);
  });

  test('flags unknown fields, which are usually misspellings', () => {
    expect(issuesOf({ ...valid, require: {} })).toEqual(['MANIFEST_FIELD_UNKNOWN require: unknown field (misspelt?)']);
  });

  test('says what it found for the wrong kind of value', () => {
    expect(issuesOf(42)).toEqual(['MANIFEST_FIELD_INVALID : expected a manifest object, got `42`']);
    expect(issuesOf({ ...valid, provides: ['calc.operation'] })).toEqual([
      'MANIFEST_FIELD_INVALID provides: expected an object of contract id → semver range, got an array',
    ]);
  });

  test('fed arbitrary JSON, only ever returns issues with known codes: it never throws', () => {
    const codes = new Set<string>(ERROR_CODES);
    const manifestLike = fc.record(
      {
        name: fc.oneof(fc.string(), fc.constantFrom('add', '@a/b'), fc.jsonValue()),
        version: fc.oneof(fc.string(), fc.constantFrom('1.0.0', '1.0'), fc.jsonValue()),
        main: fc.oneof(fc.string(), fc.jsonValue()),
        provides: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue())), fc.jsonValue()),
        requires: fc.jsonValue(),
        engines: fc.oneof(fc.record({ plugboard: fc.jsonValue() }), fc.jsonValue()),
        isolation: fc.jsonValue(),
        permissions: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), manifestLike), (input) => {
        const result = parseManifest(input);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) {
          expect(codes.has(issue.code)).toBe(true);
          expect(typeof issue.path).toBe('string');
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
