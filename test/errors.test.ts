import { isPluginError, PluginError } from 'plugboard';
import { describe, expect, test } from 'vitest';

describe('PluginError', () => {
  test('carries code, plugin, version and cause, and names the plugin in its message', () => {
    const cause = new Error('boom');
    const error = new PluginError('SETUP_FAILED', 'setup threw: boom', { plugin: 'add', version: '1.0.0', cause });

    expect([error.code, error.plugin, error.version, error.cause]).toEqual(['SETUP_FAILED', 'add', '1.0.0', cause]);
    expect(error.message).toBe('add@1.0.0: setup threw: boom');
    expect(error.name).toBe('PluginError');
    expect(error).toBeInstanceOf(Error);
  });

  test('isPluginError recognises errors from another copy of plugboard, and nothing else', () => {
    const foreign = Object.assign(new Error('x'), { code: 'SETUP_FAILED' });
    Object.defineProperty(foreign, Symbol.for('plugboard.PluginError'), { value: true });

    expect(isPluginError(foreign)).toBe(true);
    expect(isPluginError(Object.assign(new Error('x'), { code: 'SETUP_FAILED' }))).toBe(false);
    expect(isPluginError(null)).toBe(false);
  });

  test('serialises to JSON with its cause', () => {
    const error = new PluginError('CALL_FAILED', 'threw', { plugin: 'p', cause: new RangeError('division by zero') });

    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      code: 'CALL_FAILED',
      plugin: 'p',
      cause: { name: 'RangeError', message: 'division by zero' },
    });
  });
});
