// How large each field of a protocol message may be. The plugin's runtime keeps within these
// (truncating a long error message, say), so a message over them was not written by it: the
// host treats it as a protocol violation.

export const LIMITS = {
  /** Error names, contract ids, method names, plugin names, Node error codes. */
  name: 256,
  /** Error messages, stacks, log messages, thrown values as text. */
  text: 16_384,
  /** Issue paths and messages, resource paths. */
  detail: 4_096,
  /** Issues in one error. */
  issues: 64,
  /** Errors in a chain of causes. */
  causes: 8,
  /** Contracts in a `ready` message, and methods or fields in one implementation. */
  members: 1_024,
} as const;

/** Cuts `text` to at most `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}… (truncated)`;
}
