import { describe, test } from 'vitest';
import { runCase } from './fault-harness.js';
import { casesOf, renderCell } from './matrix.js';

describe('fault matrix, process mode', () => {
  for (const { id, expected } of casesOf('process')) {
    const run = expected.outcome === 'not-applicable' ? test.skip : test;
    run(`${id}: ${renderCell(expected)}`, { timeout: 30_000 }, () => runCase(id, 'process', expected));
  }
});
