import { describe, test } from 'vitest';
import { runCase, runInChildHost } from './fault-harness.js';
import { casesOf, renderCell } from './matrix.js';

// Inline plugins share the host's thread: a scenario that ends or freezes the host runs in a
// host process of its own, watched from here.
describe('fault matrix, inline mode', () => {
  for (const { id, expected } of casesOf('inline')) {
    const run = expected.outcome === 'not-applicable' ? test.skip : test;
    const own = expected.outcome === 'host-dies' || expected.outcome === 'host-hangs';
    run(`${id}: ${renderCell(expected)}`, { timeout: 30_000 }, () =>
      own ? runInChildHost(id, expected) : runCase(id, 'inline', expected),
    );
  }
});
