import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { manifestJsonSchema } from '../scripts/generate-schema.js';
import { repoRoot } from './helpers/fixtures.js';

test('schema/plugin.schema.json is generated from the manifest schema and up to date (npm run schema)', () => {
  const committed = readFileSync(join(repoRoot, 'schema', 'plugin.schema.json'), 'utf8');
  expect(committed).toBe(manifestJsonSchema());
  expect(JSON.parse(committed).required).toEqual(['name', 'version', 'main', 'provides']);
});
