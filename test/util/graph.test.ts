import { describe, expect, test } from 'vitest';
import { planStartOrder } from '../../src/util/graph.js';

const plan = (edges: Record<string, string[]>) => planStartOrder(new Map(Object.entries(edges)));

describe('planStartOrder', () => {
  test('puts dependencies in earlier waves; independent nodes share a wave', () => {
    expect(plan({ app: ['db', 'log'], db: ['log'], log: [], other: [] }).waves).toEqual([
      ['log', 'other'],
      ['db'],
      ['app'],
    ]);
  });

  test('names each cycle and blocks what depends on it, leaving the rest', () => {
    const result = plan({
      a: ['b'],
      b: ['c'],
      c: ['a'],
      self: ['self'],
      downstream: ['a'],
      further: ['downstream'],
      free: [],
    });
    expect(result.cycles).toEqual([['a', 'b', 'c'], ['self']]);
    expect(Object.fromEntries(result.blocked)).toEqual({ downstream: 'a', further: 'downstream' });
    expect(result.waves).toEqual([['free']]);
  });

  test('handles a long chain without recursion trouble', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 2000; i++) edges[`n${i}`] = i === 0 ? [] : [`n${i - 1}`];
    expect(plan(edges).waves).toHaveLength(2000);
  });
});
