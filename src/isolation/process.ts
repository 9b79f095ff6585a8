import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RuntimeMessage } from '../protocol/messages.js';
import { startRemote, type Transport, type TransportEvents } from './remote.js';
import { assertNoSymlinkOut, checkGrants, permissionFlags } from './sandbox.js';
import type { Isolation, PluginInstance, PoolState, ResourceLimits, StartRequest } from './types.js';
import { DIST_DIR, PLUGIN_CONDITION, type Slot, type Views } from './view.js';

// One bundled file (see worker.ts), which is also one file for the sandbox to let it read.
const RUNTIME = new URL('../runtime/process-main.bundle.js', import.meta.url);
const MEMORY_CHECK_MS = 50;
const STDERR_TAIL = 4096;

export interface ProcessOptions {
  /** Children kept started ahead of need, so a plugin without extra permissions starts in one. */
  readonly pool: number;
  readonly limits: ResourceLimits;
  /** Told whenever the number of warm children changes. */
  readonly onPool?: (state: PoolState) => void;
}

interface Child {
  readonly process: ChildProcess;
  readonly slot: Slot;
  /** Set once the child has said hello: it has loaded the runtime and waits for a plugin. */
  warm: boolean;
  /** Messages that arrive before a plugin is attached (the hello). */
  attach(events: TransportEvents): Transport;
}

/**
 * Runs each plugin in a child process under Node's permission model: it may read its own
 * folder and plugboard's runtime files, and nothing else unless its manifest asks and the
 * host grants. The child survives nothing the plugin does to it, and the host survives the
 * child: `process.exit`, a native abort, a heap or Buffer blow-up end only the child.
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
      const child = spawnChild(
        slot,
        permissionFlags({ name: '', version: '0.0.0', main: '', provides: {} }, [], slot.dir, reads(views, slot)),
        options.limits,
        changed,
      );
      child.process.unref();
      child.process.channel?.unref();
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
    start(request: StartRequest): Promise<PluginInstance> {
      assertNoSymlinkOut(request.manifest, request.folder);
      const granted = checkGrants(request.manifest, request.grants, request.folder);
      let child: Child;
      const warm = granted.length === 0 ? spare.findIndex((candidate) => candidate.warm) : -1;
      if (warm >= 0) {
        child = spare.splice(warm, 1)[0] as Child;
        changed();
      } else {
        const slot = views.slot();
        const flags = permissionFlags(request.manifest, granted, request.folder, reads(views, slot), slot.plugin);
        child = spawnChild(slot, flags, request.limits);
      }
      const entry = child.slot.assign(request.folder, request.entry);
      const started = startRemote({ ...request, entry }, (events) => child.attach(events), 'process');
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

function spawnChild(slot: Slot, flags: string[], limits: ResourceLimits, onWarm?: () => void): Child {
  const child = fork(RUNTIME, [], {
    execArgv: [...flags, PLUGIN_CONDITION, '--preserve-symlinks', `--max-old-space-size=${limits.heapMb}`],
    serialization: 'json',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  let events: TransportEvents | undefined;
  let outOfMemory = false;
  let ended = false;
  const entry: Child = {
    process: child,
    slot,
    warm: false,
    attach(attached) {
      events = attached;
      return transport;
    },
  };
  child.on('message', (message: RuntimeMessage) => {
    if (message.type === 'hello') {
      entry.warm = true;
      onWarm?.();
    }
    events?.message(message);
  });
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

  const transport: Transport = {
    clones: false,
    send(message) {
      if (child.connected) child.send(message);
    },
    sendCall: () => false,
    hold(busy) {
      if (busy) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
    terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
