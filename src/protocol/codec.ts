import { deserialize, serialize } from 'node:v8';

/**
 * A value inside a protocol message. Over a channel that structured-clones (a worker's
 * postMessage) or when JSON carries it unchanged, the value itself; otherwise V8's
 * serialisation in base64, so `Infinity`, `-0`, `undefined`, Dates, Maps and BigInts survive
 * a JSON channel too.
 */
export type Packed = { readonly j: unknown } | { readonly b: string };

export function pack(value: unknown, plain: boolean): Packed {
  return plain ? { j: value } : { b: serialize(value).toString('base64') };
}

export function unpack(packed: Packed): unknown {
  return 'j' in packed ? packed.j : deserialize(Buffer.from(packed.b, 'base64'));
}

/** A payload for the shared-memory ring: JSON text when JSON carries the value, V8 bytes otherwise. */
export function encodePayload(value: unknown, json: boolean): string | Uint8Array {
  return json ? JSON.stringify(value) : serialize(value);
}

export function decodePayload(bytes: Buffer, start: number, end: number, json: boolean): unknown {
  return json ? JSON.parse(bytes.toString('utf8', start, end)) : deserialize(bytes.subarray(start, end));
}
