import { defineContract } from 'plugboard';
import { z } from 'zod';

/** The contract every fixture under test/fixtures/plugins implements. */
export const Greeter = defineContract({
  id: 'test.greeter',
  version: '1.2.0',
  meta: z.object({ language: z.string() }),
  methods: {
    greet: { args: z.tuple([z.string()]), result: z.string() },
    greetLater: { args: z.tuple([z.string()]), result: z.string(), async: true },
  },
});
