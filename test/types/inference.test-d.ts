// Type tests: checked by `tsc --noEmit` (npm run typecheck), never run. A failed expectation
// or an unused @ts-expect-error fails the type check.
import { type Api, createHost, defineContract, definePlugin, type Implementation, type PluginContext } from 'plugboard';
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';

const Operation = defineContract({
  id: 'calc.operation',
  version: '1.0.0',
  meta: z.object({ symbol: z.string(), arity: z.union([z.literal(1), z.literal(2)]) }),
  methods: {
    execute: { args: z.array(z.number()), result: z.number() },
    explain: { args: z.tuple([z.string(), z.number().optional()]), result: z.string(), async: true },
  },
});

const Bare = defineContract({
  id: 'bare',
  version: '1.0.0',
  methods: { ping: { args: z.tuple([]), result: z.literal('pong') } },
});

describe('types inferred from a contract', () => {
  test('host.get returns metadata fields and typed methods, with no casts', () => {
    const host = createHost({ contracts: [Operation, Bare] });
    const op = host.get(Operation, 'add');

    expectTypeOf(op.symbol).toEqualTypeOf<string>();
    expectTypeOf(op.arity).toEqualTypeOf<1 | 2>();
    expectTypeOf(op.execute).parameters.toEqualTypeOf<number[]>();
    expectTypeOf(op.execute).returns.toEqualTypeOf<number>();
    expectTypeOf(op.explain).parameters.toEqualTypeOf<[string, (number | undefined)?]>();
    expectTypeOf(op.explain).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(host.all(Operation)).toEqualTypeOf<Api<typeof Operation>[]>();
    expectTypeOf(host.get(Bare).ping).returns.toEqualTypeOf<'pong'>();
    // @ts-expect-error execute takes numbers
    op.execute('1');
    // @ts-expect-error metadata is read-only
    op.symbol = '-';
  });

  test('host.get only accepts the contracts the host was created with', () => {
    const host = createHost({ contracts: [Operation] });
    // @ts-expect-error Bare is not one of this host's contracts
    host.get(Bare);
  });

  test('an implementation must match the contract', () => {
    expectTypeOf<Implementation<typeof Operation>>().toEqualTypeOf<{
      symbol: string;
      arity: 1 | 2;
      execute: (...args: number[]) => number;
      explain: (...args: [string, (number | undefined)?]) => string | Promise<string>;
    }>();
    const host = createHost({ contracts: [Operation] });
    host.provide(Operation, { symbol: '+', arity: 2, execute: (a = 0, b = 0) => a + b, explain: async (s) => s });
    // @ts-expect-error execute must return a number
    host.provide(Operation, { symbol: '+', arity: 2, execute: () => 'x', explain: async (s) => s });
  });

  test('definePlugin types setup() from the contracts it names, and ctx.use from its argument', () => {
    definePlugin<[typeof Operation]>({
      setup(ctx) {
        expectTypeOf(ctx).toEqualTypeOf<PluginContext>();
        expectTypeOf(ctx.use(Bare).ping).returns.toEqualTypeOf<'pong'>();
        return { 'calc.operation': { symbol: '*', arity: 2, execute: (a = 1, b = 1) => a * b, explain: (s) => s } };
      },
    });
    definePlugin<[typeof Operation]>({
      // @ts-expect-error the implementation lacks explain
      setup: () => ({ 'calc.operation': { symbol: '*', arity: 2, execute: () => 1 } }),
    });
    // Without contract types, any object of implementations is accepted.
    definePlugin({ setup: () => ({ anything: { at: 'all' } }) });
  });

  test('on a host created with `isolation`, every method returns a Promise; without it, sync stays sync', () => {
    const isolating = createHost({ contracts: [Operation], isolation: 'worker' });
    const op = isolating.get(Operation, 'add');
    expectTypeOf(op.symbol).toEqualTypeOf<string>();
    expectTypeOf(op.execute).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(op.explain).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(isolating.all(Operation)[0]?.execute).toEqualTypeOf<
      ((...args: number[]) => Promise<number>) | undefined
    >();
    expectTypeOf(isolating.get(Operation, 'add', { timeoutMs: 5 }).execute).returns.toEqualTypeOf<Promise<number>>();

    const policy = createHost({ contracts: [Operation], isolation: { minimum: 'inline', pool: 1 } });
    expectTypeOf(policy.get(Operation).execute).returns.toEqualTypeOf<Promise<number>>();

    const inline = createHost({ contracts: [Operation] });
    expectTypeOf(inline.get(Operation).execute).returns.toEqualTypeOf<number>();
  });
});
