// What may cross between a host and an isolated plugin: structured-cloneable data, with class
// instances refused instead of silently flattened into plain objects. The same walk tells
// whether JSON would carry the value unchanged, which picks the cheaper encoding.

import type { Encoding } from './codec.js';

export type WireCheck =
  | { readonly ok: true; readonly encoding: Encoding }
  | { readonly ok: false; readonly path: string; readonly what: string };

const CLONEABLE_CLASSES: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  Map,
  Set,
  ArrayBuffer,
  Error,
  Boolean,
  Number,
  String,
];

// Every call checks its arguments and its result: the answers that pass are shared, not made.
const PLAIN: WireCheck = Object.freeze({ ok: true, encoding: 'json' });
const CLONED: WireCheck = Object.freeze({ ok: true, encoding: 'v8' });

/** Checks `value` for anything that cannot cross; `path` names where, from `root`. */
export function checkWireValue(value: unknown, root: string): WireCheck {
  // A lone number or string, or a short array of them, is most arguments and most results.
  if (isFlat(value)) return PLAIN;
  const state = { json: true, seen: undefined as Set<object> | undefined };
  const failure = walk(value, state, 0);
  if (failure === undefined) return state.json ? PLAIN : CLONED;
  return { ok: false, path: [root, ...failure.keys.reverse()].join('.'), what: failure.what };
}

function isFlat(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (!Array.isArray(value) || value.length > 8) return false;
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item !== 'number' || !Number.isFinite(item) || Object.is(item, -0)) return false;
  }
  return true;
}

interface Failure {
  readonly keys: string[];
  readonly what: string;
}

interface WalkState {
  json: boolean;
  seen: Set<object> | undefined;
}

const MAX_DEPTH = 1_000;

function walk(value: unknown, state: WalkState, depth: number): Failure | undefined {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) state.json = false;
      return undefined;
    case 'string':
    case 'boolean':
      return undefined;
    case 'undefined':
    case 'bigint':
      state.json = false;
      return undefined;
    case 'function':
      return { keys: [], what: `a function${value.name ? ` (${value.name})` : ''}` };
    case 'symbol':
      return { keys: [], what: `a symbol (${String(value)})` };
  }
  if (value === null) return undefined;
  const object = value as object;
  // JSON, V8's serialiser and this walk all recurse: a value this deep would overflow one of them.
  if (depth > MAX_DEPTH) return { keys: [], what: `nested more than ${MAX_DEPTH} levels deep` };
  // Deep values are checked with a cycle guard; shallow ones (the common case) skip the Set.
  if (depth > 8) {
    state.seen ??= new Set();
    if (state.seen.has(object)) {
      state.json = false;
      return undefined;
    }
    state.seen.add(object);
  }
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      if (!(index in object)) state.json = false;
      const failure = walk(object[index], state, depth + 1);
      if (failure !== undefined) return at(failure, String(index));
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    for (const key of Object.keys(object)) {
      const failure = walk((object as Record<string, unknown>)[key], state, depth + 1);
      if (failure !== undefined) return at(failure, key);
    }
    return undefined;
  }
  state.json = false;
  if (ArrayBuffer.isView(object)) return undefined;
  if (object instanceof Map) return walkEntries([...object.entries()].flat(), state, depth);
  if (object instanceof Set) return walkEntries([...object], state, depth);
  if (CLONEABLE_CLASSES.some((type) => object instanceof type)) return undefined;
  if (object instanceof Promise) return { keys: [], what: 'a Promise (await it first)' };
  const className = (proto as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  return { keys: [], what: `an instance of ${className || 'a class'} (only plain data crosses)` };
}

function walkEntries(values: unknown[], state: WalkState, depth: number): Failure | undefined {
  for (const value of values) {
    const failure = walk(value, state, depth + 1);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

function at(failure: Failure, key: string): Failure {
  failure.keys.push(key);
  return failure;
}
