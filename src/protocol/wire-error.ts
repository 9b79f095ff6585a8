import { type Issue, isPluginError, PluginError, type PluginErrorCode } from '../errors.js';

/** An error as it crosses the boundary: enough to rebuild it, with its cause, on the other side. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** A PluginError's code, or a Node error's (`ERR_ACCESS_DENIED`), when it had one. */
  readonly code: string | undefined;
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

const MAX_CAUSES = 8;

export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error) && !isPluginError(error)) {
    return {
      name: 'Error',
      message: describeThrown(error),
      stack: undefined,
      code: undefined,
      pluginError: false,
      cause: undefined,
      thrown: describeThrown(error),
    };
  }
  const fields = error as Error & Partial<PluginError> & { permission?: unknown; resource?: unknown };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    code: typeof fields.code === 'string' ? fields.code : undefined,
    pluginError: isPluginError(error),
    plugin: fields.plugin,
    contract: fields.contract,
    method: fields.method,
    issues: fields.issues,
    permission: typeof fields.permission === 'string' ? fields.permission : undefined,
    resource: typeof fields.resource === 'string' ? fields.resource : undefined,
    cause: error.cause === undefined || depth >= MAX_CAUSES ? undefined : toWireError(error.cause, depth + 1),
  };
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

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
