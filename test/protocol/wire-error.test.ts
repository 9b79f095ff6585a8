import fc from 'fast-check';
import { isPluginError, PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
import { checkWireError, isViolation } from '../../src/protocol/check.js';
import { pack, unpack } from '../../src/protocol/codec.js';
import { fromWireError, toWireError } from '../../src/protocol/wire-error.js';

// Errors travel as JSON between a host and a child process: check the trip through it.
const across = (error: unknown) => fromWireError(JSON.parse(JSON.stringify(toWireError(error))));

describe('errors across the boundary', () => {
  test('an Error keeps its name, message, stack, code and its chain of causes', () => {
    const root = Object.assign(new RangeError('too big'), { code: 'E_BIG' });
    const error = new Error('outer', { cause: root });

    const rebuilt = across(error);

    expect(rebuilt.name).toBe('Error');
    expect(rebuilt.message).toBe('outer');
    expect(rebuilt.stack).toBe(error.stack);
    const cause = rebuilt.cause as Error & { code?: string };
    expect(cause.name).toBe('RangeError');
    expect(cause.code).toBe('E_BIG');
  });

  test('a PluginError is rebuilt as a PluginError with the same code and issues', () => {
    const error = new PluginError('CALL_ARGS_INVALID', 'bad', {
      contract: 'c',
      method: 'm',
      issues: [{ code: 'CALL_ARGS_INVALID', path: '0', message: 'expected a number' }],
    });

    const rebuilt = across(error);

    expect(isPluginError(rebuilt)).toBe(true);
    expect(rebuilt).toMatchObject({ code: 'CALL_ARGS_INVALID', contract: 'c', method: 'm' });
    expect((rebuilt as PluginError).issues).toEqual(error.issues);
  });

  test('a thrown non-Error (a string, an object) arrives as an Error describing it', () => {
    expect(across('just a string').message).toBe('just a string');
    expect(across({ reason: 42 }).message).toBe('{"reason":42}');
  });

  test("Node's permission error keeps the permission and the resource", () => {
    const denied = Object.assign(new Error('Access to this API has been restricted'), {
      code: 'ERR_ACCESS_DENIED',
      permission: 'FileSystemWrite',
      resource: '/etc/passwd',
    });
    expect(across(denied)).toMatchObject({
      code: 'ERR_ACCESS_DENIED',
      permission: 'FileSystemWrite',
      resource: '/etc/passwd',
    });
  });

  test('packed values survive a JSON channel, including what JSON alone would change', () => {
    const value = [Infinity, -0, undefined, new Date(5), new Map([['k', 1n]])];
    const trip = unpack(JSON.parse(JSON.stringify(pack(value, 'v8'))));
    expect(trip).toEqual(value);
    expect(Object.is((trip as number[])[1], -0)).toBe(true);
    expect(unpack(JSON.parse(JSON.stringify(pack({ plain: [1, 'a'] }, 'json'))))).toEqual({ plain: [1, 'a'] });
  });

  describe('whatever a plugin throws, what crosses keeps to the protocol', () => {
    const acceptedByHost = (thrown: unknown) => {
      const wire = toWireError(thrown);
      expect(isViolation(checkWireError(JSON.parse(JSON.stringify(wire))))).toBe(false);
      return wire;
    };

    test('a message and a stack too long are cut', () => {
      const wire = acceptedByHost(new Error('x'.repeat(1_000_000)));
      expect(wire.message.length).toBeLessThanOrEqual(16_384);
    });

    test('a chain of causes that never ends (a cycle) stops at eight', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      Object.assign(a, { cause: b });
      let depth = 0;
      for (let at = acceptedByHost(a).cause; at !== undefined; at = at.cause) depth++;
      expect(depth).toBeLessThan(8);
    });

    test('getters that throw, a name that is no string, a thrown object whose toString throws', () => {
      const hostile = new Error('h');
      Object.defineProperty(hostile, 'message', {
        get() {
          throw new Error('no');
        },
      });
      expect(acceptedByHost(hostile).message).toMatch(/could not be read/);
      expect(acceptedByHost(Object.assign(new Error('n'), { name: 42 })).name).toBe('42');
      const weird = {
        toJSON() {
          throw new Error('no');
        },
        toString() {
          throw new Error('no');
        },
      };
      expect(acceptedByHost(weird).message).toBe('[object Object]');
    });

    test('a PluginError whose code plugboard does not have crosses as a plain error', () => {
      const forged = new PluginError('CALL_FAILED', 'x');
      Object.defineProperty(forged, 'code', { value: 'MADE_UP' });
      expect(acceptedByHost(forged)).toMatchObject({ pluginError: false, code: 'MADE_UP' });
    });

    test('anything thrown', () => {
      fc.assert(
        fc.property(
          fc.anything({ withBigInt: true, withMap: true, withSet: true }),
          (thrown) => void acceptedByHost(thrown),
        ),
        {
          numRuns: 2_000,
        },
      );
    });
  });
});
