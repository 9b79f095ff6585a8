// A single-producer, single-consumer ring of records in a SharedArrayBuffer: the channel between
// a host and a worker, one ring each way. A record too large for one piece of the ring is split
// into fragments; a record that does not fit now waits in the writer's queue, and the reader asks
// for more when it frees space.
//
// The two sides do not trust each other's words in the shared header: each keeps its own
// position and checks the other's before using it. Every record the reader returns has been
// checked to lie inside the written part of the ring, and every read moves forward, so a ring
// a plugin has scribbled on is reported (`RingProblem`), never looped on or read out of bounds.

// Captured before any plugin code runs in the worker: code that replaces a method of Atomics,
// DataView or Uint8Array would otherwise receive the ring's shared memory as `this`.
const { load, store, exchange } = Atomics;
const call = Function.prototype.call;
const getU32 = call.bind(DataView.prototype.getUint32) as (view: DataView, at: number, little: boolean) => number;
const setU32 = call.bind(DataView.prototype.setUint32) as (
  view: DataView,
  at: number,
  value: number,
  little: boolean,
) => void;
const getI32 = call.bind(DataView.prototype.getInt32) as (view: DataView, at: number, little: boolean) => number;
const setI32 = call.bind(DataView.prototype.setInt32) as (
  view: DataView,
  at: number,
  value: number,
  little: boolean,
) => void;
const getU16 = call.bind(DataView.prototype.getUint16) as (view: DataView, at: number, little: boolean) => number;
const setU16 = call.bind(DataView.prototype.setUint16) as (
  view: DataView,
  at: number,
  value: number,
  little: boolean,
) => void;
const getU8 = call.bind(DataView.prototype.getUint8) as (view: DataView, at: number) => number;
const setU8 = call.bind(DataView.prototype.setUint8) as (view: DataView, at: number, value: number) => void;
const getF64 = call.bind(DataView.prototype.getFloat64) as (view: DataView, at: number, little: boolean) => number;
const setF64 = call.bind(DataView.prototype.setFloat64) as (
  view: DataView,
  at: number,
  value: number,
  little: boolean,
) => void;
const setBytes = call.bind(Uint8Array.prototype.set) as (target: Uint8Array, source: Uint8Array, at: number) => void;
const slice = call.bind(Uint8Array.prototype.slice) as (bytes: Uint8Array, start: number, end: number) => Uint8Array;
// Buffer's own text methods look these two up on the prototype at every call: use them directly.
type Method = (...args: never[]) => unknown;
const nativeText = Buffer.prototype as unknown as { utf8Write: Method; utf8Slice: Method };
const utf8Write = call.bind(nativeText.utf8Write) as (
  bytes: Buffer,
  text: string,
  at: number,
  length: number,
) => number;
const utf8Slice = call.bind(nativeText.utf8Slice) as (bytes: Buffer, start: number, end: number) => string;

const WRITE = 0;
const READ = 1;
const SLEEPING = 2;
/** The writer has records waiting for room: the reader rings once it frees some. */
const WAITING = 3;
const HEADER_BYTES = 16;
const RECORD_HEADER = 16; // u32 record length, u32 payload length, u8 kind, u8 flags, u16 index, i32 id
const SKIP = 0xffffffff;
/** Set on every fragment of a record but its last. */
const MORE = 1;

/** What a ring record holds. Calls carry the method's index from the `ready` message. */
export const RECORD = {
  CALL_JSON: 1,
  CALL_V8: 2,
  RESULT_JSON: 3,
  RESULT_V8: 4,
  ERROR: 5,
  CALL_NUMBERS: 6,
  RESULT_NUMBER: 7,
  /** A protocol message, as JSON. */
  MESSAGE: 8,
} as const;

/** The shared buffers of one host–worker pair: calls go in one ring, answers come back in the other. */
export interface RingPair {
  readonly calls: SharedArrayBuffer;
  readonly answers: SharedArrayBuffer;
}

export function createRing(capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

/** Empties a ring whose two sides are both gone, so that it can serve a new pair. */
export function resetRing(buffer: SharedArrayBuffer): void {
  new Int32Array(buffer, 0, HEADER_BYTES / 4).fill(0);
}

/** The ring's words could not have been written by plugboard: what was wrong. */
export interface RingProblem {
  readonly problem: string;
}

export interface RingRecord {
  readonly kind: number;
  readonly index: number;
  readonly id: number;
  readonly start: number;
  readonly end: number;
  /** A fragment, with more of the same record to come. */
  readonly more: boolean;
}

class RingSide {
  readonly buffer: SharedArrayBuffer;
  /** The payload bytes, as a Buffer over shared memory. */
  readonly bytes: Buffer;
  protected readonly header: Int32Array;
  protected readonly view: DataView;
  protected readonly capacity: number;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.bytes = Buffer.from(buffer, HEADER_BYTES, this.capacity);
    this.view = new DataView(buffer, HEADER_BYTES, this.capacity);
  }

  // A position written by the other side: inside the ring, and where a record may start.
  protected valid(offset: number): boolean {
    return offset >= 0 && offset < this.capacity && (offset & 3) === 0;
  }
}

/** The consuming side of a ring. */
export class RingReader extends RingSide {
  private position = 0;
  private next = 0;

  /**
   * The next record, undefined when the ring is empty, or what is wrong with it. Call `release()`
   * once its payload has been read.
   */
  read(): RingRecord | RingProblem | undefined {
    const write = load(this.header, WRITE);
    if (!this.valid(write)) return { problem: `its write offset ${write} is outside the ring` };
    let at = this.position;
    if (at === write) return undefined;
    // A record that did not fit before the end starts again at 0; only a writer that has
    // wrapped (write < at) may ask for that.
    if (this.capacity - at < RECORD_HEADER || getU32(this.view, at, true) === SKIP) {
      if (write > at) return { problem: `a wrap-around at ${at}, before its write offset ${write}` };
      at = 0;
      if (at === write) {
        this.next = 0;
        this.release();
        return undefined;
      }
    }
    const limit = at < write ? write : this.capacity;
    const length = getU32(this.view, at, true);
    const payload = getU32(this.view, at + 4, true);
    if (length < RECORD_HEADER || (length & 3) !== 0 || length > limit - at) {
      return { problem: `a record at ${at} of ${length} bytes, where ${limit - at} were written` };
    }
    if (align(RECORD_HEADER + payload) !== length) {
      return { problem: `a record at ${at} whose payload of ${payload} bytes does not fill its ${length} bytes` };
    }
    const flags = getU8(this.view, at + 9);
    if ((flags & ~MORE) !== 0) return { problem: `a record at ${at} with unknown flags ${flags}` };
    this.next = at + length === this.capacity ? 0 : at + length;
    return {
      kind: getU8(this.view, at + 8),
      index: getU16(this.view, at + 10, true),
      id: getI32(this.view, at + 12, true),
      start: at + RECORD_HEADER,
      end: at + RECORD_HEADER + payload,
      more: (flags & MORE) !== 0,
    };
  }

  /** Frees the space of the record `read()` returned last. */
  release(): void {
    this.position = this.next;
    store(this.header, READ, this.next);
  }

  /** The numbers of a record the writer wrote with `writeNumbers()`. */
  numbers(record: RingRecord): number[] {
    const out: number[] = [];
    for (let at = record.start; at + 8 <= record.end; at += 8) out.push(getF64(this.view, at, true));
    return out;
  }

  /** The payload as UTF-8 text. */
  text(record: RingRecord): string {
    return utf8Slice(this.bytes, record.start, record.end);
  }

  /** A copy of the payload, to keep after `release()`. */
  copy(record: RingRecord): Uint8Array {
    return slice(this.bytes, record.start, record.end);
  }

  isEmpty(): boolean {
    return this.position === load(this.header, WRITE);
  }

  /**
   * The reader is going idle: from now on the writer must ring with a message. Returns false when
   * a record arrived meanwhile, and the reader should read instead. (Both sides store, then load
   * the other's word, so at least one of them sees the other: no lost wake-up. Atomics.waitAsync
   * was tried first, and on Node 20 it now and then never woke.)
   */
  sleep(): boolean {
    store(this.header, SLEEPING, 1);
    if (this.isEmpty()) return true;
    store(this.header, SLEEPING, 0);
    return false;
  }

  /** After `release()`: whether the writer waits for room and should be told (it is then told). */
  roomWanted(): boolean {
    return load(this.header, WAITING) === 1 && exchange(this.header, WAITING, 0) === 1;
  }
}

interface Queued {
  readonly kind: number;
  readonly index: number;
  readonly id: number;
  readonly payload: Uint8Array;
  readonly more: boolean;
}

/** The producing side of a ring. */
export class RingWriter extends RingSide {
  private position = 0;
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  /** Set when the reader's word could not have been written by plugboard. */
  problem: string | undefined;
  /** The largest piece of a record: larger payloads are split. */
  private readonly maxFragment: number;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.maxFragment = Math.max(64, (this.capacity >>> 2) - RECORD_HEADER);
  }

  /** Bytes waiting in the queue for room in the ring. */
  get backlog(): number {
    return this.queuedBytes;
  }

  /** Writes a record whose payload is text (UTF-8) or bytes, now or once there is room. */
  write(kind: number, index: number, id: number, payload: string | Uint8Array): void {
    if (this.queue.length === 0) {
      if (typeof payload === 'string' && payload.length * 3 <= this.maxFragment) {
        const at = this.reserve(RECORD_HEADER + payload.length * 3);
        if (at >= 0) {
          const written = utf8Write(this.bytes, payload, at + RECORD_HEADER, payload.length * 3);
          return void this.commit(at, written, kind, 0, index, id);
        }
      } else if (typeof payload !== 'string' && payload.byteLength <= this.maxFragment) {
        if (this.put(kind, index, id, payload, false)) return;
      }
    }
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    for (let start = 0; start < bytes.byteLength || start === 0; start += this.maxFragment) {
      const end = Math.min(bytes.byteLength, start + this.maxFragment);
      const piece = bytes.subarray(start, end);
      const more = end < bytes.byteLength;
      if (this.queue.length > 0 || !this.put(kind, index, id, piece, more)) this.enqueue(kind, index, id, piece, more);
      if (!more) break;
    }
  }

  /**
   * Writes a record whose payload is numbers, as float64: exact for every number (NaN, -0 and
   * Infinity included), and no string to make or parse. Most calls and answers are a few numbers.
   */
  writeNumbers(kind: number, index: number, id: number, numbers: number | readonly number[]): void {
    const count = typeof numbers === 'number' ? 1 : numbers.length;
    const at = this.queue.length === 0 ? this.reserve(RECORD_HEADER + count * 8) : -1;
    if (at < 0) {
      const bytes = new Uint8Array(count * 8);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < count; i++) {
        setF64(view, i * 8, typeof numbers === 'number' ? numbers : (numbers[i] as number), true);
      }
      return void this.enqueue(kind, index, id, bytes, false);
    }
    const start = at + RECORD_HEADER;
    if (typeof numbers === 'number') setF64(this.view, start, numbers, true);
    else for (let i = 0; i < count; i++) setF64(this.view, start + i * 8, numbers[i] as number, true);
    this.commit(at, count * 8, kind, 0, index, id);
  }

  /** Writes what waits in the queue, as far as there is room; true once the queue is empty. */
  flush(): boolean {
    while (this.queue.length > 0) {
      const next = this.queue[0] as Queued;
      if (!this.put(next.kind, next.index, next.id, next.payload, next.more)) return this.askForRoom();
      this.queue.shift();
      this.queuedBytes -= next.payload.byteLength;
    }
    return true;
  }

  /** After writing: whether the reader sleeps and needs a message to wake (it is then awake). */
  wakeNeeded(): boolean {
    return load(this.header, SLEEPING) === 1 && exchange(this.header, SLEEPING, 0) === 1;
  }

  private enqueue(kind: number, index: number, id: number, payload: Uint8Array, more: boolean): void {
    // A copy: the caller's bytes may be a view of memory it reuses.
    const owned = slice(payload, 0, payload.byteLength);
    this.queue.push({ kind, index, id, payload: owned, more });
    this.queuedBytes += owned.byteLength;
    if (this.queue.length === 1) this.askForRoom();
  }

  // The reader rings once it frees room. It may have freed some just now, before it could see
  // the flag: so try again after raising it.
  private askForRoom(): boolean {
    store(this.header, WAITING, 1);
    while (this.queue.length > 0) {
      const next = this.queue[0] as Queued;
      if (!this.put(next.kind, next.index, next.id, next.payload, next.more)) return false;
      this.queue.shift();
      this.queuedBytes -= next.payload.byteLength;
    }
    store(this.header, WAITING, 0);
    return true;
  }

  private put(kind: number, index: number, id: number, payload: Uint8Array, more: boolean): boolean {
    const at = this.reserve(RECORD_HEADER + payload.byteLength);
    if (at < 0) return false;
    setBytes(this.bytes, payload, at + RECORD_HEADER);
    this.commit(at, payload.byteLength, kind, more ? MORE : 0, index, id);
    return true;
  }

  private commit(at: number, written: number, kind: number, flags: number, index: number, id: number): void {
    const length = align(RECORD_HEADER + written);
    setU32(this.view, at, length, true);
    setU32(this.view, at + 4, written, true);
    setU8(this.view, at + 8, kind);
    setU8(this.view, at + 9, flags);
    setU16(this.view, at + 10, index, true);
    setI32(this.view, at + 12, id, true);
    let next = at + length;
    if (next === this.capacity) next = 0;
    this.position = next;
    store(this.header, WRITE, next);
  }

  // The offset to write `need` bytes at, contiguously, or -1. The write position never catches
  // up with the read position, so equal offsets always mean empty.
  private reserve(need: number): number {
    const size = align(need);
    const write = this.position;
    const read = load(this.header, READ);
    if (!this.valid(read)) {
      this.problem ??= `its read offset ${read} is outside the ring`;
      return -1;
    }
    if (write >= read) {
      const room = this.capacity - write - (read === 0 ? 1 : 0);
      if (size <= room) return write;
      if (size < read) {
        if (this.capacity - write >= RECORD_HEADER) setU32(this.view, write, SKIP, true);
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

/**
 * Joins the fragments of one record at a time. A record split in fragments comes in one piece
 * after another; anything else in between, or more bytes than `maxBytes`, is a problem.
 */
export class Fragments {
  private parts: Uint8Array[] = [];
  private size = 0;
  private kind = -1;
  private id = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a record read from `reader`: the whole payload once its last piece is in, else undefined. */
  add(reader: RingReader, record: RingRecord): Uint8Array | RingProblem | undefined {
    if (this.kind >= 0 && (record.kind !== this.kind || record.id !== this.id)) {
      return { problem: `a record of kind ${record.kind} inside the fragments of a record of kind ${this.kind}` };
    }
    this.kind = record.kind;
    this.id = record.id;
    this.size += record.end - record.start;
    if (this.size > this.maxBytes) return { problem: `a record of more than ${this.maxBytes} bytes` };
    this.parts.push(reader.copy(record));
    if (record.more) return undefined;
    const whole = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.kind = -1;
    return whole;
  }

  /** Whether fragments of a record are being joined. */
  get joining(): boolean {
    return this.kind >= 0;
  }
}

const MAX_NUMBERS = 64;

/** Whether `args` is a short list of numbers, which `writeNumbers()` carries. */
export function isNumberList(args: readonly unknown[]): args is readonly number[] {
  if (args.length > MAX_NUMBERS) return false;
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'number') return false;
  return true;
}

/** Decodes UTF-8 text from `bytes`. */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
