import { describe, test } from 'vitest';
import { runCase } from './fault-harness.js';
import { casesOf, renderCell } from './matrix.js';

describe('fault matrix, worker mode', () => {
  for (const { id, expected } of casesOf('worker')) {
    const run = expected.outcome === 'not-applicable' ? test.skip : test;
    run(`${id}: ${renderCell(expected)}`, { timeout: 30_000 }, () => runCase(id, 'worker', expected));
  }
});
