import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodePayload, encodePayload } from '../../src/protocol/codec.js';
import { Ring } from '../../src/protocol/ring.js';

function readAll(ring: Ring): { kind: number; index: number; id: number; value: unknown }[] {
  const out = [];
  for (let record = ring.read(); record !== undefined; record = ring.read()) {
    const value = decodePayload(ring.bytes, record.start, record.end, record.kind === 1);
    ring.release();
    out.push({ kind: record.kind, index: record.index, id: record.id, value });
  }
  return out;
}

describe('the shared-memory ring', () => {
  test('records come out in order, with their kind, index, id and payload', () => {
    const ring = new Ring(Ring.create(1024));
    expect(ring.write(1, 3, 7, encodePayload([2, 3], true))).toBe(true);
    expect(ring.write(2, 0, -1, encodePayload(new Map([[1, Infinity]]), false))).toBe(true);

    expect(readAll(ring)).toEqual([
      { kind: 1, index: 3, id: 7, value: [2, 3] },
      { kind: 2, index: 0, id: -1, value: new Map([[1, Infinity]]) },
    ]);
    expect(ring.isEmpty()).toBe(true);
  });

  test('numbers travel as float64, exactly: NaN, -0, Infinity and the smallest subnormal included', () => {
    const ring = new Ring(Ring.create(1024));
    const values = [1.5, Number.NaN, -0, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, 2 ** 53 + 2];
    expect(ring.writeNumbers(6, 2, 11, values)).toBe(true);
    expect(ring.writeNumbers(7, 0, 12, -0)).toBe(true);

    const first = ring.read();
    expect(first && [first.kind, first.index, first.id]).toEqual([6, 2, 11]);
    const got = first ? ring.numbers(first) : [];
    ring.release();
    expect(got).toHaveLength(values.length);
    expect(got.every((n, i) => Object.is(n, values[i]))).toBe(true);
    const second = ring.read();
    expect(second && Object.is(ring.numbers(second)[0], -0)).toBe(true);
  });

  test('refuses a record that does not fit, and takes it once the reader has made room', () => {
    const ring = new Ring(Ring.create(256));
    const big = 'x'.repeat(300);
    expect(ring.write(1, 0, 1, JSON.stringify(big))).toBe(false);

    let written = 0;
    while (ring.write(1, 0, written, JSON.stringify('y'.repeat(20)))) written++;
    expect(written).toBeGreaterThan(0);
    expect(readAll(ring)).toHaveLength(written);
    expect(ring.write(1, 0, 99, JSON.stringify('after'))).toBe(true);
    expect(readAll(ring).map((record) => record.value)).toEqual(['after']);
  });

  test('wraps around its end without losing or reordering a record (any sizes, any interleaving)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 90 }), fc.constant(null)), { minLength: 1, maxLength: 300 }),
        (steps) => {
          const ring = new Ring(Ring.create(512));
          const queue: string[] = [];
          let next = 0;
          for (const step of steps) {
            if (step === null) {
              const got = readAll(ring).map((record) => record.value);
              expect(got).toEqual(queue.splice(0));
            } else if (ring.write(1, 0, next, JSON.stringify(step))) {
              queue.push(step);
              next++;
            }
          }
          expect(readAll(ring).map((record) => record.value)).toEqual(queue);
        },
      ),
    );
  });

  test('a consumer going to sleep is woken exactly once by the next write; a write already made keeps it awake', () => {
    const ring = new Ring(Ring.create(256));
    expect(ring.wakeNeeded()).toBe(false);
    expect(ring.sleep()).toBe(true);
    ring.write(1, 0, 1, '1');
    expect(ring.wakeNeeded()).toBe(true);
    expect(ring.wakeNeeded()).toBe(false);

    // a record is waiting: the consumer must read it instead of sleeping
    expect(ring.sleep()).toBe(false);
    expect(ring.wakeNeeded()).toBe(false);
  });
});
