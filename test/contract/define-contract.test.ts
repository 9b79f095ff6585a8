import { defineContract, isPluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';

describe('defineContract', () => {
  test('returns a frozen contract carrying its id, version, methods and meta schema', () => {
    const meta = z.object({ symbol: z.string() });
    const contract = defineContract({
      id: 'calc.operation',
      version: '1.0.0',
      meta,
      methods: { execute: { args: z.array(z.number()), result: z.number() } },
    });

    expect(contract.id).toBe('calc.operation');
    expect(contract.meta).toBe(meta);
    expect(Object.isFrozen(contract)).toBe(true);
  });

  test('rejects a bad definition with CONTRACT_DEFINITION_INVALID listing every problem', () => {
    // What a JavaScript caller could pass; TypeScript would refuse it.
    const spec: unknown = {
      id: 'Not An Id',
      version: 'one',
      methods: {
        run: { args: z.tuple([]), result: 'number' },
        go: { args: z.tuple([]), result: z.number(), async: 'yes' },
      },
    };
    let caught: unknown;
    try {
      defineContract(spec as Parameters<typeof defineContract>[0]);
    } catch (error) {
      caught = error;
    }

    expect(isPluginError(caught)).toBe(true);
    if (!isPluginError(caught)) return;
    expect(caught.code).toBe('CONTRACT_DEFINITION_INVALID');
    expect(caught.issues.map((issue) => issue.path)).toEqual([
      'id',
      'version',
      'methods.run.result',
      'methods.go.async',
    ]);
  });

  test('accepts any Standard Schema, not only zod', () => {
    const number = {
      '~standard': {
        version: 1 as const,
        vendor: 'hand-made',
        validate: (value: unknown) =>
          typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] },
        types: undefined as unknown as { input: number; output: number },
      },
    };
    const args = {
      '~standard': {
        version: 1 as const,
        vendor: 'hand-made',
        validate: (value: unknown) => ({ value: value as [number] }),
        types: undefined as unknown as { input: [number]; output: [number] },
      },
    };

    expect(() =>
      defineContract({ id: 'x.y', version: '1.0.0', methods: { twice: { args, result: number } } }),
    ).not.toThrow();
  });
});
