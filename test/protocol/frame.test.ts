import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeFrame, FrameReader } from '../../src/protocol/frame.js';

function feed(reader: FrameReader, chunks: Buffer[]): { texts: string[]; problem: string | undefined } {
  const texts: string[] = [];
  for (const chunk of chunks) {
    const problem = reader.push(chunk, (text) => texts.push(text));
    if (problem !== undefined) return { texts, problem: problem.what };
  }
  return { texts, problem: undefined };
}

// Splits bytes at the given cut points, into chunks as a pipe might deliver them.
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((point) => point % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...at, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

describe('frames on a pipe', () => {
  test('texts come out whole and in order, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (texts, points) => {
          const bytes = Buffer.concat(texts.map(encodeFrame));
          expect(feed(new FrameReader(1 << 20), cut(bytes, points))).toEqual({ texts, problem: undefined });
        },
      ),
    );
  });

  test('a length over the maximum is refused at once, before any of its bytes are held', () => {
    const reader = new FrameReader(1024);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(0xffffffff);
    expect(feed(reader, [header]).problem).toMatch(/4294967295 bytes, over the maximum of 1024/);
    expect(reader.pending).toBe(0);
  });

  test('an empty frame is refused', () => {
    expect(feed(new FrameReader(1024), [Buffer.alloc(4)]).problem).toBe('an empty frame');
  });

  test('bytes that never complete a frame are held up to one frame, never more', () => {
    const reader = new FrameReader(1000);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(1000);
    reader.push(header, () => {});
    for (let i = 0; i < 100; i++) reader.push(Buffer.alloc(9, 120), () => {});
    expect(reader.pending).toBe(900);
  });

  test('any bytes at all: a frame, a problem, or waiting for more; the reader never throws or holds more than a frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const reader = new FrameReader(256);
        for (const chunk of chunks) {
          const problem = reader.push(Buffer.from(chunk), () => {});
          if (problem !== undefined) return;
          expect(reader.pending).toBeLessThanOrEqual(256 + 4);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
