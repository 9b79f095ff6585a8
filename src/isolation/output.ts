import type { Readable, Writable } from 'node:stream';

/**
 * Passes a plugin's stdout or stderr on to the host's, as far as `admit` lets it: output is
 * bytes the plugin sends unasked, and counts against its budget like a message. What is not
 * admitted is read and dropped, so a plugin that prints without end neither blocks on a full
 * pipe nor makes the host hold its output.
 */
export function forwardOutput(from: Readable | null, to: Writable, admit: (bytes: number) => boolean): void {
  from?.on('data', (chunk: Buffer) => {
    if (admit(chunk.length)) to.write(chunk);
  });
}
