import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkWireValue } from '../../src/protocol/wire-value.js';

class Point {
  constructor(readonly x: number) {}
}

describe('what may cross to an isolated plugin', () => {
  test.each<[string, () => unknown, string, string]>([
    ['a function', () => [1, () => 2], 'args.1', 'a function'],
    [
      'a named function deep inside',
      () => ({ a: { b: [function handler() {}] } }),
      'args.a.b.0',
      'a function (handler)',
    ],
    ['a symbol', () => ({ tag: Symbol('t') }), 'args.tag', 'a symbol'],
    ['a class instance', () => ({ at: new Point(1) }), 'args.at', 'an instance of Point'],
    ['a Promise', () => [Promise.resolve(1)], 'args.0', 'a Promise'],
    ['a WeakMap', () => [new WeakMap()], 'args.0', 'an instance of WeakMap'],
  ])('refuses %s, naming where it is', (_, make, path, what) => {
    const check = checkWireValue(make(), 'args');
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.path).toBe(path);
      expect(check.what.startsWith(what)).toBe(true);
    }
  });

  test.each<[string, unknown, boolean]>([
    ['numbers and strings', [1, 'a', true, null], true],
    ['plain nested objects', { a: [{ b: 'c' }], d: Object.create(null) }, true],
    ['Infinity', [Infinity], false],
    ['-0', [-0], false],
    ['undefined', [undefined], false],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    ['a hole', [1, , 3], false],
    ['a BigInt', [1n], false],
    ['a Date, a Map, a Set, a RegExp', [new Date(0), new Map([[1, 2]]), new Set([1]), /x/g], false],
    ['bytes and errors', [new Uint8Array([1]), new ArrayBuffer(2), new Error('e')], false],
  ])('accepts %s; JSON would carry it unchanged: %s', (_, value, json) => {
    expect(checkWireValue(value, 'args')).toEqual({ ok: true, encoding: json ? 'json' : 'v8' });
  });

  test('refuses a value nested too deep to cross, naming the depth', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = [deep];
    const check = checkWireValue(deep, 'result');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.what).toContain('levels deep');
  });

  test('accepts a cycle (structured clone keeps it) and does not call it JSON', () => {
    const node: Record<string, unknown> = { name: 'a' };
    let deep: Record<string, unknown> = node;
    for (let i = 0; i < 12; i++) deep = deep.next = { i };
    deep.next = node;
    expect(checkWireValue(node, 'args')).toEqual({ ok: true, encoding: 'v8' });
  });

  test('whenever it says JSON carries a value, JSON and structured clone agree on it', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true }), (value) => {
        const check = checkWireValue(value, 'v');
        if (check.ok && check.encoding === 'json')
          expect(JSON.parse(JSON.stringify(value))).toEqual(structuredClone(value));
      }),
    );
  });
});
