import { readlinkSync } from 'node:fs';

/**
 * The calling thread's Linux thread id, which the host needs to see what holds a worker that
 * does not end when terminated; undefined where `/proc/thread-self` does not exist.
 */
export function currentThreadId(): number | undefined {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
