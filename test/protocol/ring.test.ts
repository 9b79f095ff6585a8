import { deserialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodePayload } from '../../src/protocol/codec.js';
import {
  createRing,
  Fragments,
  RECORD,
  type RingProblem,
  RingReader,
  type RingRecord,
  RingWriter,
} from '../../src/protocol/ring.js';

const HEADER_BYTES = 16;

function pair(capacity: number) {
  const buffer = createRing(capacity);
  return { buffer, writer: new RingWriter(buffer), reader: new RingReader(buffer) };
}

// Reads every record, joining fragments, and decodes the payloads as the kinds say.
function readAll(
  reader: RingReader,
  fragments = new Fragments(1 << 30),
): { kind: number; index: number; id: number; value: unknown }[] {
  const out = [];
  for (let record = reader.read(); record !== undefined; record = reader.read()) {
    if ('problem' in record) throw new Error(record.problem);
    let payload: Uint8Array;
    if (record.more || fragments.joining) {
      const whole = fragments.add(reader, record);
      reader.release();
      if (whole === undefined) continue;
      if ('problem' in whole) throw new Error(whole.problem);
      payload = whole;
    } else {
      payload = reader.copy(record);
      reader.release();
    }
    const value =
      record.kind === RECORD.CALL_V8
        ? deserialize(payload)
        : JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    out.push({ kind: record.kind, index: record.index, id: record.id, value });
  }
  return out;
}

function problemOf(reader: RingReader): string {
  const record = reader.read();
  if (record === undefined || !('problem' in record)) throw new Error('expected a problem');
  return (record as RingProblem).problem;
}

describe('the shared-memory ring', () => {
  test('records come out in order, with their kind, index, id and payload', () => {
    const { writer, reader } = pair(1024);
    writer.write(RECORD.CALL_JSON, 3, 7, encodePayload([2, 3], 'json'));
    writer.write(RECORD.CALL_V8, 0, -1, encodePayload(new Map([[1, Infinity]]), 'v8'));

    expect(readAll(reader)).toEqual([
      { kind: RECORD.CALL_JSON, index: 3, id: 7, value: [2, 3] },
      { kind: RECORD.CALL_V8, index: 0, id: -1, value: new Map([[1, Infinity]]) },
    ]);
    expect(reader.isEmpty()).toBe(true);
  });

  test('numbers travel as float64, exactly: NaN, -0, Infinity and the smallest subnormal included', () => {
    const { writer, reader } = pair(1024);
    const values = [1.5, Number.NaN, -0, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, 2 ** 53 + 2];
    writer.writeNumbers(RECORD.CALL_NUMBERS, 2, 11, values);
    writer.writeNumbers(RECORD.RESULT_NUMBER, 0, 12, -0);

    const first = reader.read() as RingRecord;
    expect([first.kind, first.index, first.id]).toEqual([RECORD.CALL_NUMBERS, 2, 11]);
    const got = reader.numbers(first);
    reader.release();
    expect(got).toHaveLength(values.length);
    expect(got.every((n, i) => Object.is(n, values[i]))).toBe(true);
    const second = reader.read() as RingRecord;
    expect(Object.is(reader.numbers(second)[0], -0)).toBe(true);
  });

  test('a record that does not fit waits in the writer, which asks for room; it is written once the reader frees some', () => {
    const { writer, reader } = pair(256);
    for (let id = 0; id < 20; id++) writer.write(RECORD.CALL_JSON, 0, id, JSON.stringify('y'.repeat(20)));
    expect(writer.backlog).toBeGreaterThan(0);

    const read: unknown[] = [];
    while (read.length < 20) {
      const batch = readAll(reader);
      expect(batch.length).toBeGreaterThan(0);
      read.push(...batch.map((record) => record.id));
      // the reader made room: the writer had asked to be told, once
      expect(reader.roomWanted()).toBe(writer.backlog > 0 || read.length < 20);
      writer.flush();
    }
    expect(read).toEqual(Array.from({ length: 20 }, (_, id) => id));
    expect(writer.backlog).toBe(0);
  });

  test('a payload larger than a quarter of the ring crosses in fragments, joined again in order', () => {
    const { writer, reader } = pair(4096);
    const big = 'é'.repeat(20_000);
    writer.write(RECORD.CALL_JSON, 1, 5, JSON.stringify(big));
    writer.write(RECORD.CALL_JSON, 1, 6, JSON.stringify('after'));
    const got: unknown[] = [];
    const fragments = new Fragments(1 << 20);
    while (got.length < 2) {
      got.push(...readAll(reader, fragments).map((record) => record.value));
      writer.flush();
    }
    expect(got).toEqual([big, 'after']);
  });

  test('a record joined from fragments larger than the limit is a problem, not a bigger buffer', () => {
    const { writer, reader } = pair(4096);
    writer.write(RECORD.MESSAGE, 0, 0, 'x'.repeat(3_000));
    expect(() => readAll(reader, new Fragments(1_000))).toThrow(/more than 1000 bytes/);
  });

  test('wraps around its end without losing or reordering a record (any sizes, any interleaving)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 300 }), fc.constant(null)), { minLength: 1, maxLength: 300 }),
        (steps) => {
          const { writer, reader } = pair(512);
          const fragments = new Fragments(1 << 20);
          const sent: string[] = [];
          const got: unknown[] = [];
          for (const step of steps) {
            if (step === null) {
              got.push(...readAll(reader, fragments).map((record) => record.value));
              writer.flush();
            } else {
              writer.write(RECORD.CALL_JSON, 0, sent.length, JSON.stringify(step));
              sent.push(step);
            }
          }
          while (got.length < sent.length) {
            got.push(...readAll(reader, fragments).map((record) => record.value));
            writer.flush();
          }
          expect(got).toEqual(sent);
        },
      ),
    );
  });

  test('a consumer going to sleep is woken exactly once by the next write; a write already made keeps it awake', () => {
    const { writer, reader } = pair(256);
    expect(writer.wakeNeeded()).toBe(false);
    expect(reader.sleep()).toBe(true);
    writer.write(RECORD.CALL_JSON, 0, 1, '1');
    expect(writer.wakeNeeded()).toBe(true);
    expect(writer.wakeNeeded()).toBe(false);

    // a record is waiting: the consumer must read it instead of sleeping
    expect(reader.sleep()).toBe(false);
    expect(writer.wakeNeeded()).toBe(false);
  });
});

describe('a ring the other side scribbled on', () => {
  // The header's words and the records, as a hostile writer would set them.
  function scribble(capacity: number, write: number, records: (view: DataView) => void) {
    const buffer = createRing(capacity);
    new Int32Array(buffer, 0, 4)[0] = write;
    records(new DataView(buffer, HEADER_BYTES));
    return new RingReader(buffer);
  }
  const record = (view: DataView, at: number, length: number, payload: number, kind = 3, flags = 0) => {
    view.setUint32(at, length, true);
    view.setUint32(at + 4, payload, true);
    view.setUint8(at + 8, kind);
    view.setUint8(at + 9, flags);
  };

  test('a zero-length record is a problem, not a loop', () => {
    const reader = scribble(256, 16, (view) => record(view, 0, 0, 0));
    expect(problemOf(reader)).toMatch(/of 0 bytes/);
  });

  test('a write offset outside the ring, or not where a record may start', () => {
    expect(problemOf(scribble(256, 4096, () => {}))).toMatch(/write offset 4096/);
    expect(problemOf(scribble(256, -16, () => {}))).toMatch(/write offset -16/);
    expect(problemOf(scribble(256, 6, () => {}))).toMatch(/write offset 6/);
  });

  test('a record longer than what was written, or a payload longer than its record', () => {
    expect(problemOf(scribble(256, 32, (view) => record(view, 0, 64, 4)))).toMatch(/64 bytes, where 32/);
    expect(problemOf(scribble(256, 32, (view) => record(view, 0, 32, 100)))).toMatch(/does not fill/);
  });

  test('a wrap-around the writer never made, and flags nobody knows', () => {
    const skip = scribble(256, 64, (view) => view.setUint32(0, 0xffffffff, true));
    expect(problemOf(skip)).toMatch(/wrap-around/);
    expect(problemOf(scribble(256, 32, (view) => record(view, 0, 32, 16, 3, 0x80)))).toMatch(/unknown flags/);
  });

  test('fragments interleaved with another record are a problem', () => {
    const { writer, reader } = pair(4096);
    writer.write(RECORD.MESSAGE, 0, 0, 'x'.repeat(3_000));
    const first = reader.read() as RingRecord;
    const fragments = new Fragments(1 << 20);
    expect(fragments.add(reader, first)).toBeUndefined();
    reader.release();
    const intruder = { ...first, kind: RECORD.RESULT_JSON, more: false };
    expect(fragments.add(reader, intruder)).toMatchObject({ problem: expect.stringMatching(/inside the fragments/) });
  });

  test('a read offset the reader could not have written is a problem for the writer, which writes nothing', () => {
    const buffer = createRing(256);
    const writer = new RingWriter(buffer);
    new Int32Array(buffer, 0, 4)[1] = 1_000_000;
    writer.write(RECORD.CALL_JSON, 0, 1, '1');
    expect(writer.problem).toMatch(/read offset 1000000/);
  });

  test('any bytes and any header words: every read returns a record inside the ring, or a problem, and moves on', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        fc.integer({ min: -1000, max: 1000 }),
        (bytes, write) => {
          const buffer = createRing(256);
          new Uint8Array(buffer, HEADER_BYTES).set(bytes);
          new Int32Array(buffer, 0, 4)[0] = write;
          const reader = new RingReader(buffer);
          for (let step = 0; step < 100; step++) {
            const got = reader.read();
            if (got === undefined || 'problem' in got) return;
            expect(got.start).toBeGreaterThanOrEqual(16);
            expect(got.end).toBeLessThanOrEqual(256);
            expect(got.end).toBeGreaterThanOrEqual(got.start);
            reader.release();
          }
          // A hundred records fit in 256 bytes only if each moved on: a loop would stay put.
          throw new Error('the reader did not reach the write offset');
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
