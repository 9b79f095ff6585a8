// A worker blocked in a system call outlives terminate(), and keeps its process from exiting;
// unstickThread() ends the wait where that is safe. Real worker threads, real FIFOs, real children.
// The fixtures import the built dist/isolation/unstick.js: run `npm run build` first.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import type { StuckReport } from '../../src/isolation/types.js';
import { blockedIn, unstickThread } from '../../src/isolation/unstick.js';
import { currentThreadId } from '../../src/util/thread-id.js';
import { onCleanup, repoRoot, tempDir } from '../helpers/fixtures.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'unstick');
const hostScript = join(fixtures, 'host.mjs');
// Polls of /proc between event-loop turns before a wait is declared lost (no clock involved).
const POLL_LIMIT = 200_000;
// A child process that has not exited by then is killed and the test fails.
const CHILD_GUARD_MS = 15_000;

interface Blocked {
  readonly worker: Worker;
  readonly tid: number;
  readonly exited: Promise<number>;
  hasExited(): boolean;
}

/** A new FIFO in a fresh directory, removed after the test. (`mknod NAME p` is mkfifo.) */
function makeFifo(): string {
  const path = join(tempDir('plugboard-unstick-'), 'fifo');
  execFileSync('mknod', [path, 'p']);
  return path;
}

async function until(condition: () => boolean, what: () => string): Promise<void> {
  for (let polls = 0; !condition(); polls++) {
    if (polls === POLL_LIMIT) throw new Error(`gave up waiting: ${what()}`);
    await new Promise(setImmediate);
  }
}

/** Starts a fixture in a worker and resolves once its thread sits in `syscall`. */
async function startBlocked(fixture: string, syscall: string, workerData?: string): Promise<Blocked> {
  const worker = new Worker(join(fixtures, `${fixture}.mjs`), { workerData });
  let exitedFlag = false;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve)).finally(() => {
    exitedFlag = true;
  });
  let tid: number | undefined;
  onCleanup(async () => {
    void worker.terminate();
    if (!exitedFlag && tid !== undefined) unstickThread(tid);
    await exited;
  });
  [tid] = (await once(worker, 'message')) as [number];
  const known = tid;
  await until(
    () => blockedIn(known) === syscall,
    () => `${fixture} in ${syscall}; it is in ${blockedIn(known)}`,
  );
  return { worker, tid, exited, hasExited: () => exitedFlag };
}

/** Terminates a blocked worker and checks that the termination alone does not end it. */
async function terminateInVain(blocked: Blocked, syscall: string): Promise<void> {
  void blocked.worker.terminate();
  await new Promise(setImmediate);
  expect(blockedIn(blocked.tid)).toBe(syscall);
  expect(blocked.hasExited()).toBe(false);
}

/** Runs test/fixtures/unstick/host.mjs (directly, or through `sh -c`), killed after the test. */
function runHost(command: string, args: readonly string[], stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(command, args, { detached: true, stdio: [stdin, 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    await exited;
  });
  return child;
}

/** The report and the worker's state after it, as the host script prints them. */
async function hostOutput(child: ChildProcess): Promise<{ report: StuckReport; after: string }> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const report = (await lines.next()).value;
  const after = (await lines.next()).value;
  if (typeof report !== 'string' || typeof after !== 'string') throw new Error('the host script printed no report');
  return { report: JSON.parse(report), after: JSON.parse(after).after };
}

/** 'Z' for a zombie, 'gone' when the process no longer exists, else its state letter. */
function processState(pid: number): string {
  if (!existsSync(`/proc/${pid}/stat`)) return 'gone';
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.charAt(stat.lastIndexOf(')') + 2);
}

function childrenOf(taskDir: string): number[] {
  return readFileSync(`${taskDir}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

describe.runIf(process.platform === 'linux')('unstickThread', () => {
  test('a worker opening a FIFO to read outlives terminate(); a writer opened and closed lets it end', async () => {
    const fifo = makeFifo();
    const blocked = await startBlocked('opens-fifo-to-read', 'openat', fifo);
    await terminateInVain(blocked, 'openat');

    expect(unstickThread(blocked.tid)).toEqual({ syscall: 'openat', detail: fifo, unblocked: true });
    expect(await blocked.exited).toBe(1);
    expect(unstickThread(blocked.tid)).toMatchObject({ syscall: 'gone', unblocked: false });
  });

  test('a worker opening a FIFO to write is let go by a reader opened and closed', async () => {
    const fifo = makeFifo();
    const blocked = await startBlocked('opens-fifo-to-write', 'openat', fifo);
    await terminateInVain(blocked, 'openat');

    expect(unstickThread(blocked.tid)).toEqual({ syscall: 'openat', detail: fifo, unblocked: true });
    expect(await blocked.exited).toBe(1);
  });

  test('a worker reading an empty FIFO gets one byte and ends', async () => {
    const fifo = makeFifo();
    const blocked = await startBlocked('reads-fifo', 'read', fifo);
    await terminateInVain(blocked, 'read');

    const report = unstickThread(blocked.tid);
    expect(report).toMatchObject({ syscall: 'read', unblocked: true });
    expect(report.detail).toMatch(new RegExp(`^fd \\d+: ${fifo}$`));
    expect(await blocked.exited).toBe(1);
  });

  test('a worker writing into a full FIFO is given room, the drained bytes discarded', async () => {
    const fifo = makeFifo();
    const blocked = await startBlocked('writes-fifo', 'write', fifo);
    await terminateInVain(blocked, 'write');

    const report = unstickThread(blocked.tid);
    expect(report).toMatchObject({ syscall: 'write', unblocked: true });
    expect(report.detail).toMatch(new RegExp(`^fd \\d+: ${fifo}, \\d+ bytes drained and discarded$`));
    expect(await blocked.exited).toBe(1);
  });

  test('a worker in execSync waits in epoll_pwait; its child and grandchild are killed, and it ends', async () => {
    const blocked = await startBlocked('runs-exec-sync', 'epoll_pwait');
    const task = `/proc/self/task/${blocked.tid}`;
    await until(
      () =>
        childrenOf(task).some(
          (shell) => existsSync(`/proc/${shell}`) && childrenOf(`/proc/${shell}/task/${shell}`).length > 0,
        ),
      () => 'the shell to fork sleep',
    );
    const [shell] = childrenOf(task) as [number];
    const [sleep] = childrenOf(`/proc/${shell}/task/${shell}`) as [number];
    await terminateInVain(blocked, 'epoll_pwait');

    expect(unstickThread(blocked.tid)).toEqual({
      syscall: 'epoll_pwait',
      detail: `killed ${shell} (sh), ${sleep} (sleep)`,
      unblocked: true,
    });
    expect(await blocked.exited).toBe(1);
    // execSync returned, so the shell was reaped and sleep closed the pipe it held: it is dead.
    expect(processState(shell)).toBe('gone');
    expect(['Z', 'gone']).toContain(processState(sleep));
  });

  test('Atomics.wait needs nothing: it is a futex wait that terminate() interrupts', async () => {
    const blocked = await startBlocked('atomics-waits', 'futex');
    expect(unstickThread(blocked.tid)).toMatchObject({ syscall: 'futex', unblocked: false });

    void blocked.worker.terminate();
    expect(await blocked.exited).toBe(1);
  });

  test('a thread that is not one of this process is gone; the caller itself runs', () => {
    expect(unstickThread(1)).toMatchObject({ syscall: 'gone', unblocked: false });
    expect(unstickThread(Number.NaN)).toMatchObject({ syscall: 'unknown', unblocked: false });
    const self = currentThreadId();
    expect(self).toBeTypeOf('number');
    expect(existsSync(`/proc/self/task/${self}`)).toBe(true);
    expect(unstickThread(self as number)).toMatchObject({ syscall: 'running', unblocked: false });
  });

  test('a host process whose worker blocked opening a FIFO exits by itself once unstuck', async () => {
    const fifo = makeFifo();
    const child = runHost(process.execPath, [hostScript, 'opens-fifo-to-read', 'openat', fifo]);
    const exit = once(child, 'exit');
    const guard = setTimeout(() => child.kill('SIGKILL'), CHILD_GUARD_MS);
    const { report } = await hostOutput(child);
    const [code, signal] = await exit;
    clearTimeout(guard);

    expect(report).toEqual({ syscall: 'openat', detail: fifo, unblocked: true });
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  test('a worker reading an anonymous pipe is left blocked, nothing written into the pipe', async () => {
    // `sleep` holds the pipe's write end and never writes: the worker's read waits for ever.
    const script = `sleep 1000 | exec "$0" "$@"`;
    const child = runHost('sh', ['-c', script, process.execPath, hostScript, 'reads-stdin', 'read']);
    const { report, after } = await hostOutput(child);

    expect(report).toMatchObject({ syscall: 'read', unblocked: false });
    expect(report.detail).toMatch(/^fd 0: pipe:\[\d+\], an anonymous pipe, left alone$/);
    expect(after).toBe('read');
  });

  test('a worker reading a socket (a child process stdin from Node) is left blocked', async () => {
    const child = runHost(process.execPath, [hostScript, 'reads-stdin', 'read'], 'pipe');
    const { report, after } = await hostOutput(child);

    expect(report).toMatchObject({ syscall: 'read', unblocked: false });
    expect(report.detail).toMatch(/^fd 0: socket:\[\d+\]: not a FIFO$/);
    expect(after).toBe('read');
  });
});
