// Messages between a host and a child process, as frames on a pipe: a u32 little-endian length,
// then that many bytes of UTF-8 JSON. The reader decides how much it will hold before it holds
// it: a length over the maximum is refused at once, so bytes that never make a frame cannot grow
// the reader past one frame's worth. (Node's own `ipc` channel parses whatever the child writes
// up to a newline, with no bound, and throws in the parent on a line that is not JSON.)

const HEADER = 4;

/** A frame holding `text` (JSON). */
export function encodeFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(HEADER + length);
  frame.writeUInt32LE(length, 0);
  frame.write(text, HEADER, 'utf8');
  return frame;
}

/** What was wrong with the bytes, for a PROTOCOL_VIOLATION. */
export interface FrameProblem {
  readonly what: string;
}

/** Reassembles frames from a byte stream; one reader per stream. */
export class FrameReader {
  // The frame being filled, once its length is known; a partial header waits in `head`.
  private frame: Buffer | undefined;
  private filled = 0;
  private head: Buffer | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /**
   * Feeds a chunk; calls `onFrame` with each complete frame's text, in order. Returns the first
   * problem, after which the stream is not to be read any further.
   */
  push(chunk: Buffer, onFrame: (text: string) => void): FrameProblem | undefined {
    let at = 0;
    if (this.head !== undefined) {
      chunk = Buffer.concat([this.head, chunk]);
      this.head = undefined;
    }
    while (at < chunk.length) {
      if (this.frame !== undefined) {
        const take = Math.min(this.frame.length - this.filled, chunk.length - at);
        chunk.copy(this.frame, this.filled, at, at + take);
        this.filled += take;
        at += take;
        if (this.filled < this.frame.length) return undefined;
        const text = this.frame.toString('utf8');
        this.frame = undefined;
        onFrame(text);
        continue;
      }
      if (chunk.length - at < HEADER) {
        this.head = Buffer.from(chunk.subarray(at));
        return undefined;
      }
      const length = chunk.readUInt32LE(at);
      at += HEADER;
      if (length === 0) return { what: 'an empty frame' };
      if (length > this.maxFrameBytes) {
        return { what: `a frame of ${length} bytes, over the maximum of ${this.maxFrameBytes}` };
      }
      if (chunk.length - at >= length) {
        // The common case: the whole frame is in this chunk; no copy.
        const text = chunk.toString('utf8', at, at + length);
        at += length;
        onFrame(text);
        continue;
      }
      this.frame = Buffer.allocUnsafe(length);
      this.filled = 0;
    }
    return undefined;
  }

  /** Bytes held for a frame not yet complete. */
  get pending(): number {
    return (this.frame === undefined ? 0 : this.filled) + (this.head?.length ?? 0);
  }
}
