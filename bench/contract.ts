import { defineContract } from 'plugboard';
import { z } from 'zod';
import { CONTRACT_ID } from './generate.js';

/** What every generated plugin provides. probes/load.mjs declares the same contract. */
export const BenchOp = defineContract({
  id: CONTRACT_ID,
  version: '1.0.0',
  methods: { add: { args: z.tuple([z.number(), z.number()]), result: z.number() } },
});
