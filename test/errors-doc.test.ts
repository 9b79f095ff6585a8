import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from 'plugboard';
import { expect, test } from 'vitest';
import { repoRoot } from './helpers/fixtures.js';

test('docs/errors.md documents every error code, and no code that does not exist', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^### ([A-Z_]+)$/gm)].map((match) => match[1]);

  expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
});
