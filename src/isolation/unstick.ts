// Frees a worker thread that worker.terminate() cannot end. V8 stops a thread only when it runs
// JavaScript, so a plugin blocked in a system call (opening or reading a FIFO, execSync) never
// ends; and Node joins every worker thread at exit, so the host cannot exit either, not even by
// process.exit(). On Linux /proc names the call a thread waits in and its arguments: for the calls
// below we supply what it waits for, the call returns, and the pending termination ends the thread.
//
// The trade-off: this acts in the plugin's place (it opens its FIFO, writes a byte into it, drains
// it, kills its children). So a path is first resolved to an O_PATH handle, which opens nothing;
// only a FIFO is then opened, and only an fd that fstat shows to be a FIFO is written to or read.
// Call it only for a thread already terminated that has not ended. Synchronous; it never throws.

import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { currentThreadId } from '../util/thread-id.js';
import type { StuckReport } from './types.js';

// The largest write to a full FIFO that unstick drains room for; a larger one is left blocked.
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
// How many 1 ms pauses to wait for a woken writer to refill a drained FIFO, or for a child
// process to stop, before giving up on it.
const PATIENCE_POLLS = 200;

// Calls named in reports, by architecture (x64: arch/x86/entry/syscalls/syscall_64.tbl; arm64:
// include/uapi/asm-generic/unistd.h). Others are reported by number.
const SYSCALLS: Partial<Record<string, ReadonlyMap<number, string>>> = {
  x64: table(`0 read 1 write 2 open 7 poll 17 pread64 18 pwrite64 19 readv 20 writev 23 select 35 nanosleep
    42 connect 43 accept 45 recvfrom 47 recvmsg 61 wait4 72 fcntl 73 flock 202 futex 230 clock_nanosleep
    232 epoll_wait 247 waitid 257 openat 270 pselect6 271 ppoll 281 epoll_pwait 288 accept4 441 epoll_pwait2`),
  arm64: table(`22 epoll_pwait 25 fcntl 32 flock 56 openat 63 read 64 write 65 readv 66 writev 67 pread64
    68 pwrite64 72 pselect6 73 ppoll 95 waitid 98 futex 101 nanosleep 115 clock_nanosleep 202 accept
    203 connect 207 recvfrom 212 recvmsg 242 accept4 260 wait4 441 epoll_pwait2`),
};

const AT_FDCWD = -100;
const O_PATH = 0o10000000; // the same on x64 and arm64; Node does not export it
const O_ACCMODE = 3;
const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_NOCTTY, O_NOFOLLOW } = constants;
const PATH_MAX = 4096;
const IOV_MAX = 1024;
const PAGE = 4096; // the smallest page: a chunk this size never crosses into an unmapped page

/** A thread inside a system call: its name, its six arguments and the whole /proc line. */
interface Blocked {
  readonly name: string;
  readonly args: readonly bigint[];
  readonly line: string;
}

/** What a thread of this process waits in, as unstickThread() would report it; changes nothing. */
export function blockedIn(tid: number): string {
  try {
    const state = inspect(tid);
    return 'line' in state ? state.name : state.syscall;
  } catch {
    return 'unknown';
  }
}

/** Ends the wait of a terminated thread of this process stuck in a system call, where that is safe. */
export function unstickThread(tid: number): StuckReport {
  try {
    const state = inspect(tid);
    return 'line' in state ? release(tid, state) : state;
  } catch (error) {
    return report('unknown', `thread ${tid}: ${reason(error)}`, false);
  }
}

function inspect(tid: number): Blocked | StuckReport {
  const names = SYSCALLS[process.arch];
  if (process.platform !== 'linux' || names === undefined) {
    return report('unknown', `no system call table for ${process.platform} ${process.arch}`, false);
  }
  if (!Number.isSafeInteger(tid) || tid <= 0) return report('unknown', `${tid} is not a thread id`, false);
  // Reading the file would show the caller in `read`.
  if (tid === currentThreadId()) return report('running', `thread ${tid} is the caller`, false);
  // The main thread waits in epoll_pwait whenever it is idle, and its children are the host's.
  if (tid === process.pid) return report('unknown', `thread ${tid} is the main thread, not a worker`, false);
  let line: string;
  try {
    // /proc/self/task lists only this process's threads: no other process is ever touched.
    line = readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return report('gone', `no thread ${tid} in this process`, false);
    throw error;
  }
  // "running"; "-1 SP PC" (blocked, not in a call); "NR A0 A1 A2 A3 A4 A5 SP PC", the args in hex.
  if (line === 'running') return report('running', `thread ${tid} runs`, false);
  const [nr, ...fields] = line.split(' ');
  if (nr === '-1') return report('unknown', `thread ${tid} is blocked outside a system call`, false);
  const name = names.get(Number(nr)) ?? `syscall ${nr}`;
  return { name, args: fields.slice(0, 6).map((field) => BigInt(field)), line };
}

function release(tid: number, call: Blocked): StuckReport {
  const arg = (index: number): bigint => call.args[index] ?? 0n;
  const fd = Number(BigInt.asIntN(32, arg(0)));
  switch (call.name) {
    case 'open':
      return releaseOpen(call.name, AT_FDCWD, arg(0), arg(1));
    case 'openat':
      return releaseOpen(call.name, Number(BigInt.asIntN(32, arg(0))), arg(1), arg(2));
    case 'read':
    case 'readv':
    case 'pread64':
      return releaseRead(call.name, fd);
    case 'write':
    case 'pwrite64':
      return releaseWrite(tid, call, fd, arg(2));
    case 'writev':
      return releaseWrite(tid, call, fd, iovecBytes(arg(1), arg(2)));
    // execSync and spawnSync wait for their child in a private event loop (epoll_pwait), not wait4.
    case 'wait4':
    case 'waitid':
    case 'epoll_wait':
    case 'epoll_pwait':
    case 'epoll_pwait2':
      return killChildren(tid, call.name);
    default:
      return report(call.name, `waits in ${wchan(tid)}, which unstick does not end`, false);
  }
}

/**
 * open/openat of a FIFO waits for the other side: a reader waits for a writer, a writer for a
 * reader. Opening the other side without blocking, then closing it, lets the open return.
 */
function releaseOpen(name: string, dirfd: number, pathAddress: bigint, flags: bigint): StuckReport {
  const path = readCString(pathAddress);
  if (path === undefined) return report(name, `a path at 0x${pathAddress.toString(16)} that cannot be read`, false);
  const text = path.toString();
  const relative = !text.startsWith('/');
  // A relative path resolves as the thread's open did: against the process's cwd, or its dirfd.
  const where = !relative ? text : dirfd === AT_FDCWD ? resolve(text) : `${linkOf(dirfd)}/${text}`;
  const target = relative && dirfd !== AT_FDCWD ? Buffer.concat([Buffer.from(`/proc/self/fd/${dirfd}/`), path]) : path;
  const access = Number(flags & BigInt(O_ACCMODE));
  if (access === O_RDWR) return report(name, `${where}: opened read-write, which never waits`, false);
  const follow = (flags & BigInt(O_NOFOLLOW)) === 0n;
  const partner = openFifo(target, access === O_RDONLY ? O_WRONLY : O_RDONLY, follow);
  if (typeof partner === 'string') return report(name, `${where}: ${partner}`, false);
  closeSync(partner.fd);
  return report(name, where, true);
}

/** A read from an empty FIFO waits for data: one byte from a writer we open lets it return. */
function releaseRead(name: string, fd: number): StuckReport {
  const writer = openFifo(`/proc/self/fd/${fd}`, O_WRONLY, true);
  if (typeof writer === 'string') return report(name, `fd ${fd}: ${writer}`, false);
  try {
    writeSync(writer.fd, Buffer.of(0));
  } catch (error) {
    return report(name, `fd ${fd}: ${writer.link}: ${reason(error)}`, false);
  } finally {
    closeSync(writer.fd);
  }
  return report(name, `fd ${fd}: ${writer.link}`, true);
}

/**
 * A write to a full FIFO waits for room. Draining makes room, and the bytes drained are lost: the
 * stream is cut short by the plugin's end anyway, and nothing else ends the wait.
 */
function releaseWrite(tid: number, call: Blocked, fd: number, bytes: bigint): StuckReport {
  if (bytes > BigInt(DRAIN_LIMIT_BYTES)) {
    return report(call.name, `fd ${fd}: a write of ${bytes} bytes, more than unstick drains`, false);
  }
  const reader = openFifo(`/proc/self/fd/${fd}`, O_RDONLY, true);
  if (typeof reader === 'string') return report(call.name, `fd ${fd}: ${reader}`, false);
  try {
    const { drained, done } = drain(reader.fd, Number(bytes), () => readSyscallLine(tid), call.line);
    const what = `fd ${fd}: ${reader.link}, ${drained} bytes drained and discarded`;
    return report(call.name, done ? what : `${what}; the write still waits`, done);
  } finally {
    closeSync(reader.fd);
  }
}

/**
 * Drains a FIFO until its blocked writer is done. Whatever it had written, and whatever the FIFO
 * held, once `need` bytes (the size of the write) are drained it has had room for all of it. It
 * may be done sooner: then the FIFO stays empty and the thread leaves the call. While it copies
 * into the FIFO, /proc shows the thread 'running', which is not leaving.
 */
function drain(fd: number, need: number, lineNow: () => string, line: string): { drained: number; done: boolean } {
  const buffer = Buffer.alloc(64 * 1024);
  let drained = 0;
  for (let idle = 0; drained < need && idle < PATIENCE_POLLS; ) {
    let read = 0;
    try {
      read = readSync(fd, buffer, 0, Math.min(buffer.length, need - drained), null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
    drained += read;
    if (read > 0) {
      idle = 0;
      continue;
    }
    const now = lineNow();
    if (now !== line && now !== 'running') return { drained, done: true };
    idle += pause();
  }
  return { drained, done: drained >= need || lineNow() !== line };
}

/**
 * execSync and spawnSync wait for their child process to exit and its pipes to close. Killing the
 * thread's children and all their descendants ends both. Each process is stopped before its own
 * children are listed, so none forks one that escapes.
 */
function killChildren(tid: number, name: string): StuckReport {
  const children = childrenOf(`/proc/self/task/${tid}`);
  if (children.length === 0) return report(name, `waits in ${wchan(tid)}, with no child process`, false);
  const stopped: string[] = [];
  const pids: number[] = [];
  for (let next = children.shift(); next !== undefined; next = children.shift()) {
    if (!signal(next, 'SIGSTOP')) continue;
    stopped.push(`${next} (${commOf(next)})`);
    pids.push(next);
    awaitStopped(next);
    for (const task of tasksOf(next)) children.push(...childrenOf(`/proc/${next}/task/${task}`));
  }
  for (const pid of pids) signal(pid, 'SIGKILL');
  return report(name, `killed ${stopped.join(', ')}`, pids.length > 0);
}

/**
 * Opens a FIFO as the partner of the thread that waits on it, or says why not. The path resolves
 * once, to an O_PATH handle (which opens nothing, so it can neither block nor wake a device);
 * only when that handle is a FIFO is it reopened through /proc/self/fd, so the check and the open
 * see one inode. O_NONBLOCK: opening for writing fails with ENXIO unless a reader waits.
 */
function openFifo(path: string | Buffer, access: number, follow: boolean): { fd: number; link: string } | string {
  let handle: number;
  try {
    handle = openSync(path, O_PATH | (follow ? 0 : O_NOFOLLOW));
  } catch (error) {
    return reason(error);
  }
  try {
    const link = readlinkSync(`/proc/self/fd/${handle}`);
    // A pipe is reachable through /proc too, but it is often shared (the host's own stdin, say):
    // a byte written there could reach another reader.
    if (link.startsWith('pipe:')) return `${link}, an anonymous pipe, left alone`;
    if (!fstatSync(handle).isFIFO()) return `${link}: not a FIFO`;
    const fd = openSync(`/proc/self/fd/${handle}`, access | O_NONBLOCK | O_NOCTTY);
    const [opened, checked] = [fstatSync(fd), fstatSync(handle)];
    if (opened.isFIFO() && opened.dev === checked.dev && opened.ino === checked.ino) return { fd, link };
    closeSync(fd);
    return `${link}: changed while it was opened`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENXIO' ? 'a FIFO with no reader waiting' : reason(error);
  } finally {
    closeSync(handle);
  }
}

/** The NUL-terminated string at `address` in this process's memory, or undefined. */
function readCString(address: bigint): Buffer | undefined {
  const bytes = readMemory(address, PATH_MAX);
  const end = bytes.indexOf(0);
  return end > 0 ? bytes.subarray(0, end) : undefined;
}

/** The total length of the iovec array a writev was given. */
function iovecBytes(address: bigint, count: bigint): bigint {
  const unknown = BigInt(Number.MAX_SAFE_INTEGER); // more than any drain
  if (count > BigInt(IOV_MAX)) return unknown;
  const bytes = readMemory(address, Number(count) * 16); // { void *base; size_t length }
  if (bytes.length < Number(count) * 16) return unknown;
  let total = 0n;
  for (let at = 8; at < bytes.length; at += 16) total += bytes.readBigUInt64LE(at);
  return total;
}

/** Up to `length` bytes of this process's memory at `address`; fewer where a page is not mapped. */
function readMemory(address: bigint, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  const fd = openSync('/proc/self/mem', 'r');
  let done = 0;
  try {
    while (done < bytes.length) {
      const at = address + BigInt(done);
      const chunk = Math.min(PAGE - Number(at % BigInt(PAGE)), bytes.length - done);
      const read = readSync(fd, bytes, done, chunk, at);
      if (read === 0) break;
      done += read;
    }
  } catch {
    // EIO: the next page is not mapped; what came before it stands.
  } finally {
    closeSync(fd);
  }
  return bytes.subarray(0, done);
}

function awaitStopped(pid: number): void {
  for (let polls = 0; polls < PATIENCE_POLLS && !/^[TtZX]$/.test(stateOf(pid)); polls++) pause();
}

/** The state letter from /proc/PID/stat ('S', 'T' stopped, 'Z' zombie...), 'X' once it is gone. */
function stateOf(pid: number): string {
  const stat = readOr(`/proc/${pid}/stat`, '');
  // "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so read past the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || 'X';
}

function childrenOf(taskDir: string): number[] {
  return readOr(`${taskDir}/children`, '').split(' ').filter(Boolean).map(Number);
}

function tasksOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

function commOf(pid: number): string {
  return readOr(`/proc/${pid}/comm`, '?').trim();
}

function wchan(tid: number): string {
  return readOr(`/proc/self/task/${tid}/wchan`, '?') || '?';
}

function linkOf(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return `fd ${fd}`;
  }
}

function readSyscallLine(tid: number): string {
  return readOr(`/proc/self/task/${tid}/syscall`, '').trim();
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    return process.kill(pid, name);
  } catch {
    return false;
  }
}

/** Blocks the calling thread for a millisecond; returns 1, the pause counted. */
function pause(): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  return 1;
}

/** Parses "NR NAME NR NAME ...". */
function table(pairs: string): ReadonlyMap<number, string> {
  const words = pairs.split(/\s+/).filter(Boolean);
  const names = new Map<number, string>();
  for (let at = 0; at + 1 < words.length; at += 2) names.set(Number(words[at]), words[at + 1] as string);
  return names;
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' ? code : error.message;
}

function report(syscall: string, detail: string, unblocked: boolean): StuckReport {
  return { syscall, detail, unblocked };
}
