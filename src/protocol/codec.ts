import { deserialize, serialize } from 'node:v8';

/**
 * How a value crosses: as JSON when JSON carries it unchanged (most values, and the cheapest),
 * otherwise V8's serialisation, so that `Infinity`, `-0`, `undefined`, Dates, Maps and BigInts
 * survive too.
 */
export type Encoding = 'json' | 'v8';

/** A value inside a protocol message: itself, or its V8 serialisation in base64. */
export type Packed = { readonly j: unknown } | { readonly b: string };

export function pack(value: unknown, encoding: Encoding): Packed {
  return encoding === 'json' ? { j: value } : { b: serialize(value).toString('base64') };
}

/** Only for messages from plugboard's own side: what a plugin sends is decoded by check.ts. */
export function unpack(packed: Packed): unknown {
  return 'j' in packed ? packed.j : deserialize(Buffer.from(packed.b, 'base64'));
}

/** A payload for the shared-memory ring: JSON text, or V8 bytes. */
export function encodePayload(value: unknown, encoding: Encoding): string | Uint8Array {
  return encoding === 'json' ? JSON.stringify(value) : serialize(value);
}
