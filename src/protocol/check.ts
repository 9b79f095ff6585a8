// Checks a message from a plugin against the protocol before anything reads it: its type, every
// field's type and size, and no field the runtime never sends. Packed values are decoded here,
// so that nothing after this point can throw on what a plugin wrote.

import { deserialize } from 'node:v8';
import { ERROR_CODES, type Issue } from '../errors.js';
import type { Packed } from './codec.js';
import { LIMITS } from './limits.js';
import { FATAL_KINDS, type FatalKind, LOG_LEVELS, type LogLevel, type StateHooks } from './messages.js';
import type { WireError } from './wire-error.js';

/** One contract's implementation as the host rebuilds it: static fields, method names. */
export interface Shape {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly methods: readonly string[];
  readonly opaque: readonly string[];
}

/** A message from a plugin that holds together, with its values decoded. */
export type Inbound =
  | { readonly type: 'hello'; readonly thread: number | undefined }
  | { readonly type: 'ready'; readonly implementations: ReadonlyMap<string, Shape>; readonly hooks: StateHooks }
  | { readonly type: 'start-failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError }
  | {
      readonly type: 'use';
      readonly id: number;
      readonly contract: string;
      readonly name: string | undefined;
      readonly method: string;
      readonly args: readonly unknown[];
    }
  | {
      readonly type: 'log';
      readonly level: LogLevel;
      readonly message: string;
      readonly fields: Readonly<Record<string, unknown>> | undefined;
      readonly dropped: number;
    }
  | { readonly type: 'state'; readonly id: number; readonly value: unknown }
  | { readonly type: 'state-error'; readonly id: number; readonly error: WireError }
  | { readonly type: 'stopped'; readonly error: WireError | undefined }
  | { readonly type: 'fatal'; readonly kind: FatalKind; readonly error: WireError };

/** Why a message was refused: names the message type and the field. */
export interface Violation {
  readonly violation: string;
}

export function isViolation(value: unknown): value is Violation {
  return typeof value === 'object' && value !== null && 'violation' in value;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
const MESSAGE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  hello: ['thread'],
  ready: ['implementations', 'hooks'],
  'start-failed': ['error'],
  result: ['id', 'value'],
  error: ['id', 'error'],
  use: ['id', 'contract', 'name', 'method', 'args'],
  log: ['level', 'message', 'fields', 'dropped'],
  state: ['id', 'value'],
  'state-error': ['id', 'error'],
  stopped: ['error'],
  fatal: ['kind', 'error'],
};
const ERROR_FIELDS = [
  'name',
  'message',
  'stack',
  'code',
  'pluginError',
  'plugin',
  'contract',
  'method',
  'issues',
  'permission',
  'resource',
  'cause',
  'thrown',
];

// Thrown inside the checks and caught once at the top: a check reads like a list of rules.
class Refusal {
  constructor(readonly what: string) {}
}

/** Checks one message a plugin sent, already parsed from JSON. */
export function checkMessage(raw: unknown): Inbound | Violation {
  const type = isRecord(raw) && typeof raw.type === 'string' ? raw.type : undefined;
  const label = type === undefined ? 'a message' : `a \`${type.slice(0, LIMITS.name)}\` message`;
  try {
    if (!isRecord(raw)) throw new Refusal(`is ${describe(raw)}, not an object`);
    if (type === undefined) throw new Refusal('has no `type`');
    const fields = Object.hasOwn(MESSAGE_FIELDS, type) ? MESSAGE_FIELDS[type] : undefined;
    if (fields === undefined) throw new Refusal('is of no type plugboard knows');
    onlyFields(raw, ['type', ...fields], '');
    return decode(type, raw);
  } catch (error) {
    if (error instanceof Refusal) return { violation: `${label} ${error.what}` };
    // A value deep enough to overflow a check is refused like any other.
    return { violation: `${label} could not be read: ${error instanceof Error ? error.message : 'unknown'}` };
  }
}

/** Checks an error a plugin sent on the fast path (a ring record), already parsed from JSON. */
export function checkWireError(raw: unknown): WireError | Violation {
  try {
    return wireError(raw, 'error', 0);
  } catch (error) {
    return { violation: `an error record ${error instanceof Refusal ? error.what : 'could not be read'}` };
  }
}

function decode(type: string, raw: Record<string, unknown>): Inbound {
  switch (type) {
    case 'hello':
      return { type, thread: raw.thread === undefined ? undefined : integer(raw.thread, 'thread') };
    case 'ready':
      return { type, implementations: shapes(raw.implementations), hooks: hooks(raw.hooks) };
    case 'start-failed':
      return { type, error: wireError(raw.error, 'error', 0) };
    case 'result':
    case 'state':
      return { type, id: id(raw.id), value: unpacked(raw.value, 'value') };
    case 'error':
    case 'state-error':
      return { type, id: id(raw.id), error: wireError(raw.error, 'error', 0) };
    case 'use': {
      const args = unpacked(raw.args, 'args');
      if (!Array.isArray(args)) throw new Refusal(`field \`args\` must hold an array, got ${describe(args)}`);
      return {
        type,
        id: id(raw.id),
        contract: text(raw.contract, 'contract', LIMITS.name),
        name: raw.name === undefined ? undefined : text(raw.name, 'name', LIMITS.name),
        method: text(raw.method, 'method', LIMITS.name),
        args,
      };
    }
    case 'log': {
      if (!(LOG_LEVELS as readonly unknown[]).includes(raw.level)) {
        throw new Refusal(`field \`level\` must be one of ${LOG_LEVELS.join(', ')}, got ${describe(raw.level)}`);
      }
      const fields = raw.fields === undefined ? undefined : unpacked(raw.fields, 'fields');
      if (fields !== undefined && !isPlainObject(fields)) {
        throw new Refusal(`field \`fields\` must hold a plain object, got ${describe(fields)}`);
      }
      return {
        type,
        level: raw.level as LogLevel,
        message: text(raw.message, 'message', LIMITS.text),
        fields: fields as Record<string, unknown> | undefined,
        dropped: raw.dropped === undefined ? 0 : integer(raw.dropped, 'dropped'),
      };
    }
    case 'stopped':
      return { type, error: raw.error === undefined ? undefined : wireError(raw.error, 'error', 0) };
    default: {
      if (!(FATAL_KINDS as readonly unknown[]).includes(raw.kind)) {
        throw new Refusal(`field \`kind\` must be one of ${FATAL_KINDS.join(', ')}, got ${describe(raw.kind)}`);
      }
      return { type: 'fatal', kind: raw.kind as FatalKind, error: wireError(raw.error, 'error', 0) };
    }
  }
}

function shapes(raw: unknown): Map<string, Shape> {
  if (!isPlainObject(raw)) throw new Refusal(`field \`implementations\` must be an object, got ${describe(raw)}`);
  const keys = Object.keys(raw);
  if (keys.length > LIMITS.members) throw new Refusal(`field \`implementations\` has more than ${LIMITS.members}`);
  const out = new Map<string, Shape>();
  for (const contract of keys) {
    const at = `implementations[${JSON.stringify(contract.slice(0, LIMITS.name))}]`;
    if (contract.length > LIMITS.name) throw new Refusal(`field \`${at}\` has a contract id too long`);
    const shape = raw[contract];
    if (!isPlainObject(shape)) throw new Refusal(`field \`${at}\` must be an object, got ${describe(shape)}`);
    onlyFields(shape, ['meta', 'methods', 'opaque'], `${at}.`);
    const meta = unpacked(shape.meta, `${at}.meta`);
    if (!isPlainObject(meta)) throw new Refusal(`field \`${at}.meta\` must hold a plain object, got ${describe(meta)}`);
    const methods = names(shape.methods, `${at}.methods`);
    for (const method of methods) {
      if (Object.hasOwn(meta, method)) throw new Refusal(`field \`${at}.methods\` names \`${method}\`, also a field`);
    }
    out.set(contract, { meta, methods, opaque: names(shape.opaque, `${at}.opaque`) });
  }
  return out;
}

// Method and field names: strings, none twice, none that would reach an object's prototype.
function names(raw: unknown, field: string): string[] {
  if (!Array.isArray(raw)) throw new Refusal(`field \`${field}\` must be an array, got ${describe(raw)}`);
  if (raw.length > LIMITS.members) throw new Refusal(`field \`${field}\` has more than ${LIMITS.members} names`);
  const seen = new Set<string>();
  for (const name of raw) {
    const checked = text(name, field, LIMITS.name);
    if (checked === '__proto__') throw new Refusal(`field \`${field}\` names \`__proto__\``);
    if (seen.has(checked)) throw new Refusal(`field \`${field}\` names \`${checked}\` twice`);
    seen.add(checked);
  }
  return raw as string[];
}

function hooks(raw: unknown): StateHooks {
  if (!isPlainObject(raw)) throw new Refusal(`field \`hooks\` must be an object, got ${describe(raw)}`);
  onlyFields(raw, ['exportState', 'importState'], 'hooks.');
  if (typeof raw.exportState !== 'boolean' || typeof raw.importState !== 'boolean') {
    throw new Refusal('field `hooks` must hold two booleans, `exportState` and `importState`');
  }
  return { exportState: raw.exportState, importState: raw.importState };
}

function wireError(raw: unknown, field: string, depth: number): WireError {
  if (!isPlainObject(raw)) throw new Refusal(`field \`${field}\` must be an error, got ${describe(raw)}`);
  onlyFields(raw, ERROR_FIELDS, `${field}.`);
  if (typeof raw.pluginError !== 'boolean') throw new Refusal(`field \`${field}.pluginError\` must be a boolean`);
  const code = maybeText(raw.code, `${field}.code`, LIMITS.name);
  if (raw.pluginError && (code === undefined || !KNOWN_CODES.has(code))) {
    throw new Refusal(`field \`${field}.code\` must be a plugboard error code, got ${describe(raw.code)}`);
  }
  if (raw.cause !== undefined && depth + 1 >= LIMITS.causes) {
    throw new Refusal(`field \`${field}.cause\` goes deeper than ${LIMITS.causes} errors`);
  }
  return {
    name: text(raw.name, `${field}.name`, LIMITS.name),
    message: text(raw.message, `${field}.message`, LIMITS.text),
    stack: maybeText(raw.stack, `${field}.stack`, LIMITS.text),
    code,
    pluginError: raw.pluginError,
    plugin: maybeText(raw.plugin, `${field}.plugin`, LIMITS.name),
    contract: maybeText(raw.contract, `${field}.contract`, LIMITS.name),
    method: maybeText(raw.method, `${field}.method`, LIMITS.name),
    issues: raw.issues === undefined ? undefined : issues(raw.issues, `${field}.issues`),
    permission: maybeText(raw.permission, `${field}.permission`, LIMITS.name),
    resource: maybeText(raw.resource, `${field}.resource`, LIMITS.detail),
    cause: raw.cause === undefined ? undefined : wireError(raw.cause, `${field}.cause`, depth + 1),
    thrown: maybeText(raw.thrown, `${field}.thrown`, LIMITS.text),
  };
}

function issues(raw: unknown, field: string): Issue[] {
  if (!Array.isArray(raw) || raw.length > LIMITS.issues) {
    throw new Refusal(`field \`${field}\` must be an array of at most ${LIMITS.issues} issues`);
  }
  return raw.map((issue, index) => {
    const at = `${field}.${index}`;
    if (!isPlainObject(issue)) throw new Refusal(`field \`${at}\` must be an object, got ${describe(issue)}`);
    onlyFields(issue, ['code', 'path', 'message'], `${at}.`);
    const code = text(issue.code, `${at}.code`, LIMITS.name);
    if (!KNOWN_CODES.has(code)) throw new Refusal(`field \`${at}.code\` must be a plugboard error code`);
    return {
      code: code as Issue['code'],
      path: text(issue.path, `${at}.path`, LIMITS.detail),
      message: text(issue.message, `${at}.message`, LIMITS.detail),
    };
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// A Packed value: `{ j: value }` as JSON carried it, or `{ b: base64 }` of V8's serialisation.
function unpacked(raw: unknown, field: string): unknown {
  if (!isPlainObject(raw)) throw new Refusal(`field \`${field}\` must be a packed value, got ${describe(raw)}`);
  const keys = Object.keys(raw);
  if (keys.length === 1 && keys[0] === 'j') return (raw as { j: unknown }).j;
  if (keys.length !== 1 || keys[0] !== 'b') throw new Refusal(`field \`${field}\` must have one key, \`j\` or \`b\``);
  const base64 = (raw as Packed & { b: unknown }).b;
  if (typeof base64 !== 'string' || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    throw new Refusal(`field \`${field}.b\` must be base64`);
  }
  try {
    return deserialize(Buffer.from(base64, 'base64'));
  } catch {
    throw new Refusal(`field \`${field}.b\` is not a V8-serialised value`);
  }
}

function id(raw: unknown): number {
  const value = integer(raw, 'id');
  if (value > 0x7fffffff) throw new Refusal(`field \`id\` must be below 2^31, got ${value}`);
  return value;
}

function integer(raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    throw new Refusal(`field \`${field}\` must be a whole number ≥ 0, got ${describe(raw)}`);
  }
  return raw;
}

function text(raw: unknown, field: string, max: number): string {
  if (typeof raw !== 'string') throw new Refusal(`field \`${field}\` must be a string, got ${describe(raw)}`);
  if (raw.length > max) throw new Refusal(`field \`${field}\` is ${raw.length} characters, over ${max}`);
  return raw;
}

function maybeText(raw: unknown, field: string, max: number): string | undefined {
  return raw === undefined ? undefined : text(raw, field, max);
}

// Own keys, so that a JSON `__proto__` key is seen too.
function onlyFields(raw: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key))
      throw new Refusal(`has a field \`${prefix}${key.slice(0, LIMITS.name)}\` the protocol does not know`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `\`${value.slice(0, 40)}\``;
  if (typeof value === 'number' || typeof value === 'boolean') return `\`${value}\``;
  return `a ${typeof value}`;
}
