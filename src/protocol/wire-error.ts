import { ERROR_CODES, type Issue, isPluginError, PluginError, type PluginErrorCode } from '../errors.js';
import { LIMITS, truncate } from './limits.js';

/** An error as it crosses the boundary: enough to rebuild it, with its cause, on the other side. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** A PluginError's code, or a Node error's (`ERR_ACCESS_DENIED`), when it had one. */
  readonly code: string | undefined;
  /** True only for a PluginError whose code is one of plugboard's. */
  readonly pluginError: boolean;
  readonly plugin?: string | undefined;
  readonly contract?: string | undefined;
  readonly method?: string | undefined;
  readonly issues?: readonly Issue[] | undefined;
  /** For ERR_ACCESS_DENIED: the permission Node names (`FileSystemWrite`) and the resource. */
  readonly permission?: string | undefined;
  readonly resource?: string | undefined;
  readonly cause: WireError | undefined;
  /** What was thrown when it was not an Error. */
  readonly thrown?: string | undefined;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * What the other side needs of `error`, within the protocol's limits. Runs on the plugin's side
 * on whatever the plugin threw: a getter that throws, a name that is not a string, a cause chain
 * that never ends are all turned into something that can cross.
 */
export function toWireError(error: unknown, depth = 0): WireError {
  try {
    return describe(error, depth);
  } catch (thrown) {
    return plain('Error', `an error that could not be read (${safeText(thrown, LIMITS.name)})`);
  }
}

function describe(error: unknown, depth: number): WireError {
  if (!(error instanceof Error) && !isPluginError(error)) {
    const text = safeText(error, LIMITS.text);
    return { ...plain('Error', text), thrown: text };
  }
  const fields = error as Error & Partial<PluginError> & { permission?: unknown; resource?: unknown };
  const code = optional(fields.code, LIMITS.name);
  const pluginError = isPluginError(error) && code !== undefined && KNOWN_CODES.has(code);
  return {
    name: truncate(String(error.name), LIMITS.name),
    message: truncate(String(error.message), LIMITS.text),
    stack: optional(error.stack, LIMITS.text),
    code,
    pluginError,
    plugin: optional(fields.plugin, LIMITS.name),
    contract: optional(fields.contract, LIMITS.name),
    method: optional(fields.method, LIMITS.name),
    issues: pluginError ? wireIssues(fields.issues) : undefined,
    permission: optional(fields.permission, LIMITS.name),
    resource: optional(fields.resource, LIMITS.detail),
    cause: error.cause === undefined || depth + 1 >= LIMITS.causes ? undefined : toWireError(error.cause, depth + 1),
  };
}

function plain(name: string, message: string): WireError {
  return { name, message, stack: undefined, code: undefined, pluginError: false, cause: undefined };
}

function optional(value: unknown, max: number): string | undefined {
  return typeof value === 'string' ? truncate(value, max) : undefined;
}

function wireIssues(issues: unknown): Issue[] | undefined {
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  return issues.slice(0, LIMITS.issues).flatMap((issue: Partial<Issue>) =>
    typeof issue === 'object' && issue !== null && KNOWN_CODES.has(String(issue.code))
      ? [
          {
            code: issue.code as PluginErrorCode,
            path: truncate(String(issue.path), LIMITS.detail),
            message: truncate(String(issue.message), LIMITS.detail),
          },
        ]
      : [],
  );
}

function safeText(value: unknown, max: number): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    try {
      text = String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return truncate(text, max);
}

/**
 * Rebuilds an error from the other side: a PluginError stays one (same code), any other error
 * becomes an Error with the same name, message, stack and code. Causes are rebuilt too.
 */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWireError(wire.cause);
  let error: Error;
  if (wire.pluginError) {
    // The message already carries its subject; do not let the constructor prefix it again.
    error = new PluginError(wire.code as PluginErrorCode, wire.message, {
      contract: wire.contract,
      method: wire.method,
      issues: wire.issues,
      cause,
    });
    Object.defineProperty(error, 'plugin', { value: wire.plugin, enumerable: true });
  } else {
    error = new Error(wire.message, cause === undefined ? undefined : { cause });
    Object.defineProperty(error, 'name', { value: wire.name, configurable: true, writable: true });
    if (wire.code !== undefined) Object.defineProperty(error, 'code', { value: wire.code, enumerable: true });
    if (wire.permission !== undefined) Object.assign(error, { permission: wire.permission, resource: wire.resource });
  }
  if (wire.stack !== undefined) Object.defineProperty(error, 'stack', { value: wire.stack, configurable: true });
  return error;
}
