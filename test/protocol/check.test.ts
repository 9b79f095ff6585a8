import { serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkMessage, checkWireError, isViolation } from '../../src/protocol/check.js';
import { toWireError } from '../../src/protocol/wire-error.js';

const error = toWireError(new Error('boom'));
const v8 = (value: unknown) => ({ b: serialize(value).toString('base64') });
const json = JSON.parse.bind(JSON);
// As the message would arrive over a JSON channel.
const wire = (message: unknown) => json(JSON.stringify(message)) as unknown;

const VALID: Record<string, unknown> = {
  hello: { type: 'hello', thread: 12 },
  ready: {
    type: 'ready',
    implementations: { 'test.greeter': { meta: { j: { language: 'en' } }, methods: ['greet'], opaque: [] } },
    hooks: { exportState: false, importState: true },
  },
  'start-failed': { type: 'start-failed', error },
  result: { type: 'result', id: 3, value: { j: 'hi' } },
  error: { type: 'error', id: 3, error },
  use: { type: 'use', id: 0, contract: 'test.greeter', name: 'other', method: 'greet', args: { j: ['x'] } },
  log: { type: 'log', level: 'warn', message: 'careful', fields: v8({ when: new Date(1) }), dropped: 2 },
  state: { type: 'state', id: 9, value: v8(new Map([[1, 2]])) },
  'state-error': { type: 'state-error', id: 9, error },
  stopped: { type: 'stopped' },
  fatal: { type: 'fatal', kind: 'uncaught-exception', error },
};

function violation(message: unknown): string {
  const checked = checkMessage(wire(message));
  if (!isViolation(checked)) throw new Error(`accepted ${JSON.stringify(message)}`);
  return checked.violation;
}

describe('messages from a plugin are checked before they are read', () => {
  test.each(Object.entries(VALID))('a well-formed `%s` message is accepted, its values decoded', (_, message) => {
    const checked = checkMessage(wire(message));
    expect(isViolation(checked)).toBe(false);
  });

  test('values are decoded: V8-serialised ones come back as what they were', () => {
    const log = checkMessage(wire(VALID.log));
    expect(log).toMatchObject({ type: 'log', level: 'warn', fields: { when: new Date(1) }, dropped: 2 });
    expect(checkMessage(wire(VALID.state))).toMatchObject({ value: new Map([[1, 2]]) });
  });

  test.each<[string, unknown, RegExp]>([
    ['null', null, /is `null`, not an object/],
    ['a number', 5, /not an object/],
    ['an array', [1], /not an object/],
    ['no type', { id: 1 }, /has no `type`/],
    ['an unknown type', { type: 'wake' }, /no type plugboard knows/],
    ['a field the protocol does not know', { ...(VALID.result as object), extra: 1 }, /field `extra`/],
    ['a `__proto__` key', json('{"type":"result","id":1,"value":{"j":1},"__proto__":{"x":1}}'), /field `__proto__`/],
    ['a log level that is no level', { ...(VALID.log as object), level: 'fatal' }, /`level` must be one of/],
    ['a log level `__proto__`', { ...(VALID.log as object), level: '__proto__' }, /`level`/],
    ['log fields that are a number', { ...(VALID.log as object), fields: 5 }, /`fields` must be a packed value/],
    ['log fields in bad base64', { ...(VALID.log as object), fields: { b: '!!!!' } }, /`fields.b` must be base64/],
    ['log fields that are not V8', { ...(VALID.log as object), fields: { b: 'AAAA' } }, /not a V8-serialised value/],
    ['log fields that are an array', { ...(VALID.log as object), fields: { j: [1] } }, /plain object/],
    ['a log message too long', { ...(VALID.log as object), message: 'x'.repeat(20_000) }, /over 16384/],
    ['a ready with implementations null', { ...(VALID.ready as object), implementations: null }, /implementations/],
    ['a ready method named `__proto__`', readyWith({ methods: ['__proto__'] }), /`__proto__`/],
    ['a ready method named twice', readyWith({ methods: ['a', 'a'] }), /twice/],
    ['a ready method that is a field too', readyWith({ meta: { j: { greet: 1 } } }), /also a field/],
    ['a ready meta that is not an object', readyWith({ meta: { j: 7 } }), /meta/],
    [
      'ready hooks that are not booleans',
      { ...(VALID.ready as object), hooks: { exportState: 1, importState: 0 } },
      /hooks/,
    ],
    ['a result whose value is null', { type: 'result', id: 1, value: null }, /`value` must be a packed value/],
    ['a result with both keys', { type: 'result', id: 1, value: { j: 1, b: 'AA==' } }, /one key/],
    ['an id below 0', { type: 'result', id: -1, value: { j: 1 } }, /`id` must be a whole number/],
    ['an id that is a fraction', { type: 'result', id: 1.5, value: { j: 1 } }, /`id`/],
    ['an id past 2^31', { type: 'result', id: 2 ** 40, value: { j: 1 } }, /below 2\^31/],
    ['an error that is null', { type: 'error', id: 1, error: null }, /`error` must be an error/],
    ['a start-failed error that is null', { type: 'start-failed', error: null }, /`error`/],
    [
      'an error with a PluginError code plugboard does not have',
      erring({ pluginError: true, code: 'NOT_A_CODE' }),
      /plugboard error code/,
    ],
    ['an error name that is not a string', erring({ name: 5 }), /`error.name` must be a string/],
    ['a cause chain too long', erring({ cause: chain(12) }), /deeper than 8/],
    ['issues that are not issues', erring({ pluginError: true, code: 'CALL_FAILED', issues: [1] }), /issues/],
    ['a use whose args are no array', { ...(VALID.use as object), args: { j: 'x' } }, /`args` must hold an array/],
    ['a use naming a method too long', { ...(VALID.use as object), method: 'm'.repeat(300) }, /`method`/],
    ['a fatal of an unknown kind', { ...(VALID.fatal as object), kind: 'oops' }, /`kind`/],
  ])('refuses %s, naming the message and the field', (_, message, what) => {
    expect(violation(message)).toMatch(what);
  });

  test('an error on the fast path is checked like one in a message', () => {
    expect(isViolation(checkWireError(json(JSON.stringify(error))))).toBe(false);
    expect(checkWireError(null)).toMatchObject({ violation: expect.stringMatching(/must be an error/) });
  });

  test('anything at all: an accepted message, or a violation; the check never throws', () => {
    const fields = fc.dictionary(
      fc.constantFrom(
        'id',
        'value',
        'error',
        'level',
        'message',
        'fields',
        'args',
        'implementations',
        'hooks',
        'kind',
        'x',
      ),
      fc.anything({ withBigInt: false }),
    );
    const messages = fc.oneof(
      fc.anything(),
      fc
        .record({ type: fc.constantFrom(...Object.keys(VALID), '__proto__', 'constructor') })
        .chain((head) => fields.map((rest) => ({ ...rest, ...head }))),
    );
    fc.assert(
      fc.property(messages, (message) => {
        let raw: unknown;
        try {
          raw = wire(message);
        } catch {
          return; // not JSON: the transport refuses it before the check
        }
        const checked = checkMessage(raw);
        if (isViolation(checked)) expect(typeof checked.violation).toBe('string');
        else expect(Object.keys(VALID)).toContain(checked.type);
      }),
      { numRuns: 20_000 },
    );
  });

  test('a valid message with any one field replaced by anything: a violation or a well-typed message, never a throw', () => {
    const entries = Object.entries(VALID).flatMap(([type, message]) =>
      Object.keys(message as object)
        .filter((key) => key !== 'type')
        .map((key) => [type, key] as const),
    );
    fc.assert(
      fc.property(fc.constantFrom(...entries), fc.anything(), ([type, key], value) => {
        const message = { ...(VALID[type] as object), [key]: value };
        let raw: unknown;
        try {
          raw = wire(message);
        } catch {
          return;
        }
        expect(() => checkMessage(raw)).not.toThrow();
      }),
      { numRuns: 20_000 },
    );
  });
});

function readyWith(shape: Record<string, unknown>): unknown {
  return {
    type: 'ready',
    implementations: { 'test.greeter': { meta: { j: {} }, methods: ['greet'], opaque: [], ...shape } },
    hooks: { exportState: false, importState: false },
  };
}

function erring(fields: Record<string, unknown>): unknown {
  return { type: 'error', id: 1, error: { ...error, ...fields } };
}

function chain(depth: number): unknown {
  let cause: unknown;
  for (let i = 0; i < depth; i++) cause = { ...error, cause };
  return cause;
}
