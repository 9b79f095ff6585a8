import { describe, expect, test } from 'vitest';
import { type LifecycleEvent, PLUGIN_STATES, type PluginState, transition } from '../../src/lifecycle/machine.js';

const EVENTS: LifecycleEvent[] = ['resolve', 'start', 'started', 'stop', 'stopped', 'fail'];

describe('transition()', () => {
  test('follows discovered → resolved → starting → active → stopping → stopped', () => {
    const path: [PluginState, LifecycleEvent][] = [
      ['discovered', 'resolve'],
      ['resolved', 'start'],
      ['starting', 'started'],
      ['active', 'stop'],
      ['stopping', 'stopped'],
    ];
    expect(path.map(([state, event]) => transition(state, event))).toEqual([
      'resolved',
      'starting',
      'active',
      'stopping',
      'stopped',
    ]);
  });

  test('every state but stopped and failed can fail; a failed plugin can only be started again', () => {
    const failing = PLUGIN_STATES.filter((state) => transition(state, 'fail') === 'failed');
    expect(failing).toEqual(['discovered', 'resolved', 'starting', 'active', 'stopping']);
    // a supervisor's restart of a plugin whose worker or process ended
    expect(EVENTS.map((event) => [event, transition('failed', event)])).toEqual(
      EVENTS.map((event) => [event, event === 'start' ? 'starting' : undefined]),
    );
  });

  test('refuses what makes no sense: active before starting, stopping what never started', () => {
    expect(transition('discovered', 'started')).toBeUndefined();
    expect(transition('resolved', 'stop')).toBeUndefined();
    expect(transition('active', 'start')).toBeUndefined();
    expect(transition('stopped', 'start')).toBe('starting');
  });
});
