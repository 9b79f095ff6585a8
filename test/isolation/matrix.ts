// The fault matrix as data: what happens when a plugin misbehaves, for each isolation mode.
// The fault-*.test.ts suites run every cell against a real fixture plugin
// (test/fixtures/isolation/<id>), and isolation-doc.test.ts checks that the table in
// docs/isolation.md shows exactly these cells, rendered by `renderCell`.

import type { PluginErrorCode, PluginState } from 'plugboard';

export const MODES = ['inline', 'worker', 'process'] as const;
export type Mode = (typeof MODES)[number];

/** A call's or a load's error code, `ok`, or what happens to the whole host process. */
export type Outcome = 'ok' | PluginErrorCode | 'host-dies' | 'host-hangs' | 'not-applicable';

export interface Expected {
  readonly outcome: Outcome;
  /** The plugin's state in `host.list()` afterwards; `active` when not given. */
  readonly state?: PluginState;
  /** The error `host.list()` shows for a failed plugin, when it is not the outcome's code. */
  readonly stateError?: PluginErrorCode;
  /** How a dying host process ends: its exit code, or the signal that ends it. */
  readonly exit?: number | NodeJS.Signals;
  readonly note?: string;
}

export interface Scenario {
  /** The fixture folder, and the plugin's name. */
  readonly id: string;
  readonly title: string;
  readonly expected: Readonly<Record<Mode, Expected>>;
}

const same = (expected: Expected): Record<Mode, Expected> => ({
  inline: expected,
  worker: expected,
  process: expected,
});
const ok: Expected = { outcome: 'ok' };
const terminated: Expected = { outcome: 'CALL_TIMEOUT', state: 'failed', stateError: 'PLUGIN_TERMINATED' };
const ends = (outcome: PluginErrorCode): Expected => ({ outcome, state: 'failed' });
const denied: Expected = { outcome: 'PERMISSION_DENIED', state: 'active' };
const notASandbox = 'worker and inline are not sandboxes: the plugin has the host process’s rights';

export const MATRIX: readonly Scenario[] = [
  { id: 'throws-in-setup', title: 'throw in setup', expected: same(ends('SETUP_FAILED')) },
  {
    id: 'throws-in-call',
    title: 'throw in a call',
    expected: same({ outcome: 'CALL_FAILED', state: 'active' }),
  },
  {
    id: 'rejects-in-call',
    title: 'reject in a call',
    expected: same({ outcome: 'CALL_FAILED', state: 'active' }),
  },
  {
    id: 'wrong-return',
    title: 'wrong return type',
    expected: same({ outcome: 'CALL_RESULT_INVALID', state: 'active' }),
  },
  {
    id: 'setup-never-resolves',
    title: 'setup that never resolves',
    expected: same(ends('SETUP_TIMEOUT')),
  },
  {
    id: 'busy-loop',
    title: 'a call stuck in `while (true) {}`',
    expected: {
      inline: { outcome: 'host-hangs', note: 'the loop holds the host’s only thread; no deadline can fire' },
      worker: terminated,
      process: terminated,
    },
  },
  {
    id: 'call-never-settles',
    title: 'a call whose promise never settles',
    expected: {
      inline: {
        outcome: 'CALL_TIMEOUT',
        state: 'active',
        note: 'the caller stops waiting; nothing can stop the plugin’s own work',
      },
      worker: terminated,
      process: terminated,
    },
  },
  {
    id: 'heap-blowup',
    title: 'heap blow-up',
    expected: {
      inline: { outcome: 'host-dies', exit: 'SIGABRT', note: 'the host’s own heap fills: V8 aborts the process' },
      worker: ends('PLUGIN_OUT_OF_MEMORY'),
      process: ends('PLUGIN_OUT_OF_MEMORY'),
    },
  },
  {
    id: 'buffer-blowup',
    title: '`Buffer` blow-up',
    expected: {
      inline: { outcome: 'not-applicable', note: 'not run: no limit covers Buffers in the host process' },
      worker: {
        outcome: 'not-applicable',
        note: 'not run: Buffers live outside the worker’s heap limit, in the host process’s memory',
      },
      process: ends('PLUGIN_OUT_OF_MEMORY'),
    },
  },
  {
    id: 'exits-in-setup',
    title: '`process.exit()` in setup',
    expected: {
      inline: { outcome: 'host-dies', exit: 3 },
      worker: ends('PLUGIN_EXITED'),
      process: ends('PLUGIN_EXITED'),
    },
  },
  {
    id: 'exits-in-call',
    title: '`process.exit()` in a call',
    expected: {
      inline: { outcome: 'host-dies', exit: 3 },
      worker: ends('PLUGIN_EXITED'),
      process: ends('PLUGIN_EXITED'),
    },
  },
  {
    id: 'timer-throws',
    title: 'an uncaught exception from a timer',
    expected: {
      inline: { outcome: 'host-dies', exit: 1 },
      worker: ends('PLUGIN_UNCAUGHT_EXCEPTION'),
      process: ends('PLUGIN_UNCAUGHT_EXCEPTION'),
    },
  },
  {
    id: 'unhandled-rejection',
    title: 'an unhandled rejection',
    expected: {
      inline: { outcome: 'host-dies', exit: 1, note: 'Node’s default `--unhandled-rejections=throw`' },
      worker: ends('PLUGIN_UNHANDLED_REJECTION'),
      process: ends('PLUGIN_UNHANDLED_REJECTION'),
    },
  },
  {
    id: 'aborts',
    title: '`process.abort()`',
    expected: {
      inline: { outcome: 'host-dies', exit: 'SIGABRT' },
      worker: {
        outcome: 'CALL_FAILED',
        state: 'active',
        note: 'Node refuses `process.abort()` in a worker (ERR_WORKER_UNSUPPORTED_OPERATION): the call throws',
      },
      process: ends('PLUGIN_CRASHED'),
    },
  },
  {
    id: 'reads-outside',
    title: 'reading a file outside its folder',
    expected: { inline: { ...ok, note: notASandbox }, worker: { ...ok, note: notASandbox }, process: denied },
  },
  {
    id: 'writes-file',
    title: 'writing a file',
    expected: { inline: ok, worker: ok, process: denied },
  },
  {
    id: 'spawns-child',
    title: 'spawning a child process',
    expected: { inline: ok, worker: ok, process: denied },
  },
  {
    id: 'starts-worker',
    title: 'starting a worker',
    expected: { inline: ok, worker: ok, process: denied },
  },
  {
    id: 'symlink-out',
    title: 'a symlink out of its folder',
    expected: {
      inline: { ...ok, note: 'loads, and greet reads through the link' },
      worker: { ...ok, note: 'loads, and greet reads through the link' },
      process: { ...ends('SYMLINK_OUTSIDE_PLUGIN'), note: 'refused before the process starts' },
    },
  },
  { id: 'large-argument', title: 'a 10 MB argument', expected: same(ok) },
  { id: 'many-calls', title: '10,000 concurrent calls in flight', expected: same(ok) },
];

/** The scenarios of one mode, for `test.each`. */
export function casesOf(mode: Mode): { id: string; expected: Expected }[] {
  return MATRIX.map((scenario) => ({ id: scenario.id, expected: scenario.expected[mode] }));
}

/** A cell of the table in docs/isolation.md: `ok`, `CALL_FAILED, active`, `host dies (exit code 3)`… */
export function renderCell(expected: Expected): string {
  switch (expected.outcome) {
    case 'ok':
      return 'ok';
    case 'not-applicable':
      return 'not run';
    case 'host-hangs':
      return 'host hangs';
    case 'host-dies':
      return typeof expected.exit === 'number'
        ? `host dies (exit code ${expected.exit})`
        : `host dies (${expected.exit})`;
  }
  const state = expected.state ?? 'active';
  const error = expected.stateError === undefined ? '' : ` (${expected.stateError})`;
  return `${expected.outcome}, ${state}${error}`;
}

/** A row of that table: the scenario, with its fixture, then one cell per mode. */
export function renderRow(scenario: Scenario): string[] {
  return [`${scenario.title} (\`${scenario.id}\`)`, ...MODES.map((mode) => renderCell(scenario.expected[mode]))];
}
