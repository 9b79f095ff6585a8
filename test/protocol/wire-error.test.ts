import { isPluginError, PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';
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
});
