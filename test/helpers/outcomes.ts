import { isPluginError, type Logger, type PluginError } from 'plugboard';

/** The PluginError `work` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(work: Promise<unknown>): Promise<PluginError> {
  try {
    await work;
  } catch (error) {
    if (isPluginError(error)) return error;
    throw new Error(`expected a PluginError, got ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

/** The code `work` throws synchronously (a PluginError's, else the thrown value as text), or undefined. */
export function thrownCode(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return isPluginError(error) ? error.code : String(error);
  }
  return undefined;
}

/** A logger that keeps what is logged at `info`, to assert on. */
export function recordingLogger(): { logger: Logger; entries: { message: string; fields: unknown }[] } {
  const entries: { message: string; fields: unknown }[] = [];
  const logger: Logger = {
    debug() {},
    info: (message, fields) => entries.push({ message, fields }),
    warn() {},
    error() {},
  };
  return { logger, entries };
}
