// A single-producer, single-consumer ring of records in a SharedArrayBuffer: the fast path
// for calls between a host and a worker. A record that does not fit (large, or the ring is
// full) is refused, and the caller sends it as an ordinary message instead.

const WRITE = 0;
const READ = 1;
const SLEEPING = 2;
const HEADER_BYTES = 16;
const RECORD_HEADER = 16; // u32 record length, u32 payload length, u8 kind, u8 unused, u16 index, i32 id
const SKIP = 0xffffffff;

export interface RingRecord {
  readonly kind: number;
  readonly index: number;
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

export class Ring {
  readonly buffer: SharedArrayBuffer;
  /** The payload bytes, as a Buffer over shared memory. */
  readonly bytes: Buffer;
  private readonly header: Int32Array;
  private readonly view: DataView;
  private readonly capacity: number;

  static create(capacity: number): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_BYTES + capacity);
  }

  /** Empties a ring whose two sides are both gone, so that it can serve a new pair. */
  static reset(buffer: SharedArrayBuffer): void {
    new Int32Array(buffer, 0, HEADER_BYTES / 4).fill(0);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.bytes = Buffer.from(buffer, HEADER_BYTES, this.capacity);
    this.view = new DataView(buffer, HEADER_BYTES, this.capacity);
  }

  /**
   * The consumer is going idle: from now on the producer must wake it with a message. Returns
   * false when a record arrived meanwhile, and the consumer should read instead. (Both sides
   * store, then load the other's word, so at least one of them sees the other: no lost wake-up.
   * Atomics.waitAsync was tried first, and on Node 20 it now and then never woke.)
   */
  sleep(): boolean {
    Atomics.store(this.header, SLEEPING, 1);
    if (this.isEmpty()) return true;
    Atomics.store(this.header, SLEEPING, 0);
    return false;
  }

  /** After a write: whether the consumer sleeps and needs a message to wake (it is then awake). */
  wakeNeeded(): boolean {
    return Atomics.load(this.header, SLEEPING) === 1 && Atomics.exchange(this.header, SLEEPING, 0) === 1;
  }

  isEmpty(): boolean {
    return Atomics.load(this.header, READ) === Atomics.load(this.header, WRITE);
  }

  /**
   * Writes one record whose payload is a string (UTF-8) or bytes; false when it does not fit.
   * Only the producer calls this.
   */
  write(kind: number, index: number, id: number, payload: string | Uint8Array): boolean {
    const maxPayload = typeof payload === 'string' ? payload.length * 3 : payload.byteLength;
    const at = this.reserve(RECORD_HEADER + maxPayload);
    if (at < 0) return false;
    const start = at + RECORD_HEADER;
    const written =
      typeof payload === 'string' ? this.bytes.write(payload, start, 'utf8') : copy(payload, this.bytes, start);
    this.commit(at, written, kind, index, id);
    return true;
  }

  /**
   * Writes one record whose payload is numbers, as float64: exact for every number (NaN, -0 and
   * Infinity included), and no string to make or parse. Most calls and answers are a few numbers.
   */
  writeNumbers(kind: number, index: number, id: number, numbers: number | readonly number[]): boolean {
    const count = typeof numbers === 'number' ? 1 : numbers.length;
    const at = this.reserve(RECORD_HEADER + count * 8);
    if (at < 0) return false;
    const start = at + RECORD_HEADER;
    if (typeof numbers === 'number') this.view.setFloat64(start, numbers, true);
    else for (let i = 0; i < count; i++) this.view.setFloat64(start + i * 8, numbers[i] as number, true);
    this.commit(at, count * 8, kind, index, id);
    return true;
  }

  /** The numbers of a record `writeNumbers()` wrote. */
  numbers(record: RingRecord): number[] {
    const out: number[] = [];
    for (let at = record.start; at < record.end; at += 8) out.push(this.view.getFloat64(at, true));
    return out;
  }

  private commit(at: number, written: number, kind: number, index: number, id: number): void {
    const length = align(RECORD_HEADER + written);
    this.view.setUint32(at, length, true);
    this.view.setUint32(at + 4, written, true);
    this.view.setUint8(at + 8, kind);
    this.view.setUint16(at + 10, index, true);
    this.view.setInt32(at + 12, id, true);
    let next = at + length;
    if (next === this.capacity) next = 0;
    Atomics.store(this.header, WRITE, next);
  }

  /** The next record, or undefined when the ring is empty. Call `release()` when done with it. */
  read(): RingRecord | undefined {
    let at = Atomics.load(this.header, READ);
    if (at === Atomics.load(this.header, WRITE)) return undefined;
    if (this.capacity - at < RECORD_HEADER || this.view.getUint32(at, true) === SKIP) at = 0;
    const length = this.view.getUint32(at, true);
    const end = at + length;
    const record = {
      kind: this.view.getUint8(at + 8),
      index: this.view.getUint16(at + 10, true),
      id: this.view.getInt32(at + 12, true),
      start: at + RECORD_HEADER,
      end: at + RECORD_HEADER + this.view.getUint32(at + 4, true),
    };
    this.pending = end === this.capacity ? 0 : end;
    return record;
  }

  /** Frees the space of the record `read()` returned last. */
  release(): void {
    Atomics.store(this.header, READ, this.pending);
  }

  private pending = 0;

  // The offset to write `need` bytes at, contiguously, or -1. WRITE never catches up with READ,
  // so equal offsets always mean empty.
  private reserve(need: number): number {
    const size = align(need);
    const write = Atomics.load(this.header, WRITE);
    const read = Atomics.load(this.header, READ);
    if (write >= read) {
      const room = this.capacity - write - (read === 0 ? 1 : 0);
      if (size <= room) return write;
      if (size < read) {
        if (this.capacity - write >= RECORD_HEADER) this.view.setUint32(write, SKIP, true);
        return 0;
      }
      return -1;
    }
    return size < read - write ? write : -1;
  }
}

function align(n: number): number {
  return (n + 3) & ~3;
}

function copy(source: Uint8Array, target: Buffer, at: number): number {
  target.set(source, at);
  return source.byteLength;
}

/** What a ring record holds. Calls carry the method's index from the `ready` message. */
export const RECORD = {
  CALL_JSON: 1,
  CALL_V8: 2,
  RESULT_JSON: 3,
  RESULT_V8: 4,
  ERROR: 5,
  CALL_NUMBERS: 6,
  RESULT_NUMBER: 7,
} as const;

const MAX_NUMBERS = 64;

/** Whether `args` is a short list of numbers, which `writeNumbers()` carries. */
export function isNumberList(args: readonly unknown[]): args is readonly number[] {
  if (args.length > MAX_NUMBERS) return false;
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'number') return false;
  return true;
}

/** The shared buffers a host hands a worker: calls go in one ring, answers come back in the other. */
export interface RingPair {
  readonly calls: SharedArrayBuffer;
  readonly answers: SharedArrayBuffer;
}
