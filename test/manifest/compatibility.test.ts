import { describe, expect, test } from 'vitest';
import { checkCompatibility } from '../../src/manifest/compatibility.js';
import type { Manifest } from '../../src/manifest/schema.js';

const host = { version: '1.4.0', contracts: new Map([['calc.operation', '1.2.0']]) };
const base: Manifest = { name: 'p', version: '1.0.0', main: 'index.js', provides: { 'calc.operation': '^1.0.0' } };
const codes = (manifest: Partial<Manifest>) =>
  checkCompatibility({ ...base, ...manifest }, host).map((issue) => `${issue.code} ${issue.path}`);

describe('checkCompatibility, from the manifest alone', () => {
  test('a plugin within every range fits', () => {
    expect(codes({ engines: { plugboard: '^1.2.0' }, requires: { 'calc.operation': '>=1.1' } })).toEqual([]);
  });

  test('each mismatch is its own issue', () => {
    expect(
      codes({
        engines: { plugboard: '^2.0.0' },
        provides: { 'calc.operation': '^2.0.0', 'calc.unknown': '^1.0.0' },
        requires: { 'calc.operation': '~1.3.0', 'some-plugin': '^1.0.0' },
      }),
    ).toEqual([
      'HOST_INCOMPATIBLE engines.plugboard',
      'CONTRACT_INCOMPATIBLE provides["calc.operation"]',
      'CONTRACT_UNKNOWN provides["calc.unknown"]',
      'CONTRACT_INCOMPATIBLE requires["calc.operation"]',
    ]);
  });
});
