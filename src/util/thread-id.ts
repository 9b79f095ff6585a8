import { readlinkSync } from 'node:fs';

/**
 * The calling thread's Linux thread id (a worker tells the host, which needs it to see what
 * holds a worker that does not end when terminated); undefined where there is none to read.
 */
export function currentThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const [pid, , tid] = readlinkSync('/proc/thread-self').split('/'); // PID/task/TID
    return Number(pid) === process.pid && tid !== undefined ? Number(tid) : undefined;
  } catch {
    return undefined;
  }
}
