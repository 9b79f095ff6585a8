// Runs one cell of the fault matrix: a fresh copy of the scenario's fixture plugin and of a
// well-behaved neighbour, outside the repository, in one host and mode. What the scenario does
// is in its fixture; this file only says how to call it and what a successful call returns.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type AsyncApi, isPluginError, type ResourceLimits, type Timeouts } from 'plugboard';
import { expect } from 'vitest';
import { Greeter } from '../helpers/contracts.js';
import { onCleanup, repoRoot, tempDir } from '../helpers/fixtures.js';
import { isolatedHost } from '../helpers/host.js';
import type { Expected, Mode, Outcome } from './matrix.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'isolation');
const INLINE_HOST = join(FIXTURES, 'inline-host.mjs');
const SECRET = 'outside secret';
const TEN_MB = 10 * 1024 * 1024;
const MANY = 10_000;
/** The deadline of the scenarios that hang: short, since reaching it is the point. */
const HANG_DEADLINE_MS = 800;
/** Every other call's deadline: long, so that only the scenario's own fault can end it. */
const CALL_MS = 20_000;
/** How long an inline host stuck in a loop is watched for a sign of life before it is killed. */
const HANG_WATCH_MS = 3_000;

/** What a scenario may touch outside its folder, handed to it as `ctx.config`. */
interface Outside {
  /** A file holding SECRET. */
  readonly file: string;
  /** An empty directory to write into. */
  readonly dir: string;
}

type Handle = AsyncApi<typeof Greeter>;

interface Act {
  /** The fault happens while the plugin loads: its load must fail, or the host die, before any call. */
  readonly inSetup?: boolean;
  readonly timeouts?: Partial<Timeouts>;
  readonly limits?: Partial<ResourceLimits>;
  /** Prepares the staged plugin folder. */
  prepare?(folder: string, outside: Outside): void;
  /** Calls the plugin; by default `greet('you')`. */
  call?(greeter: Handle): Promise<unknown>;
  /** What the call returns when the outcome is `ok`. */
  readonly value?: unknown;
  /** Checks what the scenario left behind. */
  after?(outside: Outside, outcome: Outcome): void;
}

const ACTS: Readonly<Record<string, Act>> = {
  'throws-in-setup': { inSetup: true },
  'setup-never-resolves': { inSetup: true, timeouts: { setupMs: HANG_DEADLINE_MS } },
  'exits-in-setup': { inSetup: true },
  'busy-loop': { timeouts: { callMs: HANG_DEADLINE_MS } },
  'call-never-settles': { timeouts: { callMs: HANG_DEADLINE_MS } },
  'heap-blowup': { limits: { heapMb: 32 } },
  'buffer-blowup': { limits: { rssMb: 256 } },
  'reads-outside': { value: SECRET },
  'writes-file': {
    value: 'wrote',
    after(outside, outcome) {
      const written = join(outside.dir, 'written.txt');
      if (outcome === 'ok') expect(readFileSync(written, 'utf8')).toBe('you');
      else expect(existsSync(written)).toBe(false);
    },
  },
  'spawns-child': { value: 'from a child' },
  'starts-worker': { value: 'from a worker' },
  'symlink-out': {
    value: SECRET,
    prepare(folder, outside) {
      symlinkSync(outside.file, join(folder, 'outside.txt'));
    },
  },
  'large-argument': { value: String(TEN_MB), call: (greeter) => greeter.greet('x'.repeat(TEN_MB)) },
  'many-calls': {
    value: Array.from({ length: MANY }, (_, i) => `hello n${i}`),
    call: (greeter) => Promise.all(Array.from({ length: MANY }, (_, i) => greeter.greet(`n${i}`))),
  },
};

/** Copies the neighbour and the scenario into a fresh plugins folder, with files outside it. */
function stage(id: string): { plugins: string; outside: Outside } {
  const root = tempDir('plugboard-fault-');
  const plugins = join(root, 'plugins');
  for (const name of ['neighbour', id]) cpSync(join(FIXTURES, name), join(plugins, name), { recursive: true });
  const outside = { file: join(root, 'secret.txt'), dir: join(root, 'out') };
  writeFileSync(outside.file, SECRET);
  mkdirSync(outside.dir);
  ACTS[id]?.prepare?.(join(plugins, id), outside);
  return { plugins, outside };
}

function codeOf(error: unknown): string {
  return isPluginError(error) ? error.code : `not a PluginError: ${String(error)}`;
}

/**
 * Loads the neighbour and the scenario in one host running `mode`, calls the scenario, and
 * checks the outcome, the scenario's state, and that the neighbour still answers.
 */
export async function runCase(id: string, mode: Mode, expected: Expected): Promise<void> {
  const act = ACTS[id] ?? {};
  const { plugins, outside } = stage(id);
  const host = isolatedHost(
    { minimum: mode, restart: { maxRestarts: 0 }, ...(act.limits === undefined ? {} : { limits: act.limits }) },
    { timeouts: { callMs: CALL_MS, ...act.timeouts }, config: { [id]: { file: outside.file, dir: outside.dir } } },
  );
  await host.load(join(plugins, 'neighbour'));

  let loaded = false;
  let value: unknown;
  let outcome: string;
  try {
    await host.load(join(plugins, id));
    loaded = true;
    const greeter = host.get(Greeter, id);
    value = await (act.call === undefined ? greeter.greet('you') : act.call(greeter));
    outcome = 'ok';
  } catch (error) {
    outcome = codeOf(error);
  }

  expect(outcome).toBe(expected.outcome);
  if (act.inSetup === true) expect(loaded).toBe(false);
  if (outcome === 'ok') expect(value).toEqual(act.value ?? 'hello you');
  const plugin = host.list().find((info) => info.name === id);
  const failed = expected.state === 'failed';
  expect({ state: plugin?.state, error: plugin?.error?.code, isolation: plugin?.isolation }).toEqual({
    state: expected.state ?? 'active',
    error: failed ? (expected.stateError ?? expected.outcome) : undefined,
    isolation: mode,
  });
  act.after?.(outside, outcome as Outcome);

  expect(await host.get(Greeter, 'neighbour').greet('neighbour')).toBe('hello neighbour');
  expect(host.list().find((info) => info.name === 'neighbour')).toMatchObject({ state: 'active', isolation: mode });
}

interface Ending {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs an inline scenario that ends or freezes its host in a host process of its own
 * (fixtures/isolation/inline-host.mjs), and checks how that process ended from outside.
 */
export async function runInChildHost(id: string, expected: Expected): Promise<void> {
  const act = ACTS[id] ?? {};
  const { plugins } = stage(id);
  // A small heap, so that the heap blow-up reaches V8's limit quickly.
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=64', INLINE_HOST, join(plugins, 'neighbour'), join(plugins, id)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let calling: () => void = () => {};
  const called = new Promise<void>((resolve) => {
    calling = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (line === 'calling') calling();
  });
  const closed = new Promise<Ending>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));

  let ending: Ending;
  if (expected.outcome === 'host-hangs') {
    // The host announces the call and schedules a timer that prints `alive`. A host whose
    // thread is held never runs that timer: it is watched for a while, then killed.
    await Promise.race([called, closed]);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, HANG_WATCH_MS))]);
    child.kill('SIGKILL');
    ending = await closed;
    expect(ending, stderr).toEqual({ code: null, signal: 'SIGKILL' });
    expect(lines).toEqual(['loaded', 'calling']);
    return;
  }
  ending = await closed;
  const exit = expected.exit;
  expect(ending, stderr).toEqual(
    typeof exit === 'number' ? { code: exit, signal: null } : { code: null, signal: exit },
  );
  // It died of the scenario's fault: in setup before any call, or in the call; never after it.
  expect(lines.filter((line) => line !== 'alive')).toEqual(act.inSetup === true ? [] : ['loaded', 'calling']);
}
