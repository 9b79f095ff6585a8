// @ts-check
// Shared by the isolation probes: the contract of their plugin (bench/generate.ts writes it),
// where `add` is the call being timed and `pid` tells which process serves the plugin.
import { defineContract } from 'plugboard';
import { z } from 'zod';

export const Isolated = defineContract({
  id: 'bench.isolated',
  version: '1.0.0',
  methods: {
    add: { args: z.tuple([z.number(), z.number()]), result: z.number() },
    pid: { args: z.tuple([]), result: z.number() },
  },
});

/** @param {ArrayLike<number>} values */
export function median(values) {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? Number(sorted[middle]) : (Number(sorted[middle - 1]) + Number(sorted[middle])) / 2;
}
