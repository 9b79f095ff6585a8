import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { checkMessage, isViolation } from '../protocol/check.js';
import { encodeFrame, FrameReader } from '../protocol/frame.js';
import { forwardOutput } from './output.js';
import { type SessionLimits, startRemote, type Transport, type TransportEvents } from './remote.js';
import { assertNoSymlinkOut, checkGrants, permissionFlags } from './sandbox.js';
import type { Isolation, PluginInstance, PoolState, ResourceLimits, StartRequest } from './types.js';
import { transformVerified } from './verified.js';
import { DIST_DIR, PLUGIN_CONDITION, type Slot, type Views } from './view.js';

// One bundled file (see worker.ts), which is also one file for the sandbox to let it read.
const RUNTIME = fileURLToPath(new URL('../runtime/process-main.bundle.js', import.meta.url));
const MEMORY_CHECK_MS = 50;
const STDERR_TAIL = 4096;
/** The child's end of the channel: the descriptor after stdin, stdout and stderr. */
const CHANNEL_FD = 3;

export interface ProcessOptions {
  /** Children kept started ahead of need, so a plugin without extra permissions starts in one. */
  readonly pool: number;
  readonly limits: ResourceLimits;
  readonly session: SessionLimits;
  /** Told whenever the number of warm children changes. */
  readonly onPool?: (state: PoolState) => void;
}

interface Child {
  readonly process: ChildProcess;
  readonly slot: Slot;
  /** Set once the child has said hello: it has loaded the runtime and waits for a plugin. */
  warm: boolean;
  attach(events: TransportEvents): Transport;
}

/**
 * Runs each plugin in a child process under Node's permission model: it may read its own
 * folder and plugboard's runtime files, and nothing else unless its manifest asks and the
 * host grants. The child survives nothing the plugin does to it, and the host survives the
 * child: `process.exit`, a native abort, a heap or Buffer blow-up end only the child.
 *
 * Host and child speak in length-prefixed frames over a pipe of their own (frame.ts), not
 * Node's `ipc` channel, whose parser the child could feed lines without end or objects that
 * trip Node's internal assertions in the host.
 */
export function createProcessIsolation(views: Views, options: ProcessOptions): Isolation {
  const spare: Child[] = [];
  let closed = false;
  // While reloads are expected (the host watches), the pool keeps at least one warm child.
  let expectingReloads = 0;
  const size = () => (expectingReloads > 0 ? Math.max(1, options.pool) : options.pool);
  const state = (): PoolState => ({ size: size(), warm: spare.filter((child) => child.warm).length });
  const changed = () => options.onPool?.(state());

  const refill = () => {
    while (!closed && spare.length < size()) {
      const slot = views.slot();
      let flags: string[];
      try {
        flags = permissionFlags(
          { name: '', version: '0.0.0', main: '', provides: {} },
          [],
          slot.dir,
          reads(views, slot),
        );
      } catch {
        // plugboard's own paths cannot be handed to the sandbox (PERMISSION_PATH_UNSAFE): each
        // plugin's start will say so; a pool cannot be kept.
        slot.release();
        closed = true;
        return;
      }
      const child = spawnChild(slot, flags, options.limits, options.session, changed);
      spare.push(child);
      child.process.once('exit', () => {
        const at = spare.indexOf(child);
        if (at < 0) return;
        // A spare that ended before it was used is replaced, unless it never got warm.
        spare.splice(at, 1);
        changed();
        if (child.warm) setImmediate(refill);
      });
    }
  };
  refill();

  return {
    mode: 'process',
    async start(request: StartRequest): Promise<PluginInstance> {
      assertNoSymlinkOut(request.manifest, request.folder);
      const granted = checkGrants(request.manifest, request.grants, request.folder);
      const verified =
        request.verifiedSource === undefined
          ? undefined
          : await transformVerified(request.entry, request.verifiedSource, request);
      let child: Child;
      const warm = granted.length === 0 ? spare.findIndex((candidate) => candidate.warm) : -1;
      if (warm >= 0) {
        child = spare.splice(warm, 1)[0] as Child;
        changed();
      } else {
        const slot = views.slot();
        let flags: string[];
        try {
          flags = permissionFlags(request.manifest, granted, request.folder, reads(views, slot), slot.plugin);
        } catch (error) {
          slot.release();
          throw error;
        }
        child = spawnChild(slot, flags, request.limits, options.session);
      }
      let entry: string;
      try {
        entry = child.slot.assign(request.folder, request.entry, request.moduleType);
      } catch (error) {
        // Nothing of the plugin ran, but its child did start: it must not be left behind.
        child.process.kill('SIGKILL');
        throw error;
      }
      const started = startRemote(
        { ...request, entry },
        options.session,
        (events) => child.attach(events),
        'process',
        verified,
      );
      // A fork blocks the host's thread for milliseconds: replace the warm child once this plugin
      // is up, not while it starts.
      if (warm >= 0) void started.finally(() => setImmediate(refill)).catch(() => {});
      return started;
    },
    pool: state,
    keepSpare(on) {
      expectingReloads += on ? 1 : -1;
      if (on) return refill();
      while (spare.length > size()) (spare.pop() as Child).process.kill('SIGKILL');
      changed();
    },
    async close() {
      closed = true;
      for (const child of spare.splice(0)) child.process.kill('SIGKILL');
    },
  };
}

// A child reads plugboard's compiled files, the plugin API package, and its slot (the plugin).
function reads(views: Views, slot: Slot): string[] {
  return [DIST_DIR, views.modules, slot.dir];
}

function spawnChild(
  slot: Slot,
  flags: string[],
  limits: ResourceLimits,
  session: SessionLimits,
  onWarm?: () => void,
): Child {
  const child = spawn(
    process.execPath,
    [...flags, PLUGIN_CONDITION, '--preserve-symlinks', `--max-old-space-size=${limits.heapMb}`, RUNTIME],
    // Its working directory is its slot, a folder of the host's that goes with it: whatever Node
    // writes there on its own account (no flag can stop every diagnostic) is confined to it.
    { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], cwd: slot.dir },
  );
  const channel = child.stdio[CHANNEL_FD] as Socket;
  const reader = new FrameReader(session.maxMessageBytes);
  let events: TransportEvents | undefined;
  let greeted = false;
  let broken = false;
  let outOfMemory = false;
  let ended = false;
  let tail = '';

  const violation = (what: string) => {
    if (broken) return;
    broken = true;
    if (events === undefined) child.kill('SIGKILL');
    else events.violation(what);
  };
  const onFrame = (text: string) => {
    if (broken) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return violation('a frame that is not JSON');
    }
    if (greeted) {
      if (events === undefined) return violation('a message before it was given a plugin');
      return events.message(raw, text.length);
    }
    // The first message is the runtime's hello, sent before any plugin code ran.
    const hello = checkMessage(raw);
    if (isViolation(hello) || hello.type !== 'hello') return violation('a first message that is not a hello');
    greeted = true;
    entry.warm = true;
    // A spare keeps the host's process alive while it starts, and not once it waits for a plugin.
    if (events === undefined) transport.hold(false);
    onWarm?.();
  };
  channel.on('data', (chunk: Buffer) => {
    if (broken) return;
    const problem = reader.push(chunk, onFrame);
    if (problem !== undefined) violation(`its channel carried ${problem.what}`);
  });
  // A write to a child that has gone fails; its exit says why.
  channel.on('error', () => {});

  forwardOutput(child.stdout, process.stdout, (bytes) => events?.output(bytes) ?? true);
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  forwardOutput(child.stderr, process.stderr, (bytes) => events?.output(bytes) ?? true);

  // Buffers live outside the V8 heap, so only the child's resident size tells a Buffer blow-up.
  const watch = setInterval(() => {
    if (child.pid !== undefined && residentMb(child.pid) > limits.rssMb) {
      outOfMemory = true;
      child.kill('SIGKILL');
    }
  }, MEMORY_CHECK_MS);
  watch.unref();
  child.on('error', () => {
    // Reported through 'exit'; without a listener an error would be thrown in the host.
  });
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    slot.release();
    if (ended) return;
    ended = true;
    const heap = /heap out of memory|Allocation failed/.test(tail);
    events?.end({ code, signal, outOfMemory: outOfMemory || heap });
  });

  const streams = [channel, child.stdout as Socket | null, child.stderr as Socket | null];
  const transport: Transport = {
    send(message) {
      const frame = encodeFrame(JSON.stringify(message));
      if (frame.length - 4 > session.maxMessageBytes) return false;
      if (channel.writable) channel.write(frame);
      return true;
    },
    sendCall: () => 'message',
    hold(busy) {
      if (busy) child.ref();
      else child.unref();
      for (const stream of streams) {
        if (busy) stream?.ref();
        else stream?.unref();
      }
    },
    terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    backlog: () => channel.writableLength,
  };
  const entry: Child = {
    process: child,
    slot,
    warm: false,
    attach(attached) {
      events = attached;
      return transport;
    },
  };
  return entry;
}

function residentMb(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * 4096) / (1024 * 1024);
  } catch {
    return 0;
  }
}
