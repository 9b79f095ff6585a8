// The plugin lifecycle as a pure state machine, in the OSGi tradition. No I/O here.

export const PLUGIN_STATES = ['discovered', 'resolved', 'starting', 'active', 'stopping', 'stopped', 'failed'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];

export type LifecycleEvent =
  | 'resolve' // manifest fits the host and dependencies are known
  | 'start' // entry import and setup begin
  | 'started' // setup returned checked implementations
  | 'stop' // teardown begins
  | 'stopped' // teardown finished
  | 'fail'; // anything went wrong; the error travels beside the state

const TRANSITIONS: Readonly<Record<PluginState, Partial<Record<LifecycleEvent, PluginState>>>> = {
  discovered: { resolve: 'resolved', fail: 'failed' },
  resolved: { start: 'starting', fail: 'failed' },
  starting: { started: 'active', fail: 'failed' },
  active: { stop: 'stopping', fail: 'failed' },
  stopping: { stopped: 'stopped', fail: 'failed' },
  stopped: { start: 'starting' },
  failed: { start: 'starting' }, // a supervisor's restart
};

/** The state after `event`, or `undefined` when `event` is not allowed in `state`. */
export function transition(state: PluginState, event: LifecycleEvent): PluginState | undefined {
  return TRANSITIONS[state][event];
}
