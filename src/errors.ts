// The one error type plugboard throws or reports, with a closed catalogue of codes.
// docs/errors.md documents every code; a test fails when one is missing there.

export const ERROR_CODES = [
  // contracts
  'CONTRACT_DEFINITION_INVALID',
  // discovery and manifests
  'DIRECTORY_UNREADABLE',
  'MANIFEST_NOT_FOUND',
  'MANIFEST_MALFORMED_JSON',
  'MANIFEST_FIELD_MISSING',
  'MANIFEST_FIELD_INVALID',
  'MANIFEST_FIELD_UNKNOWN',
  'MANIFEST_VERSION_INVALID',
  'MANIFEST_RANGE_INVALID',
  'PLUGIN_OUTSIDE_DIRECTORY',
  'ENTRY_OUTSIDE_PLUGIN',
  'ENTRY_NOT_FOUND',
  'FILE_NOT_REGULAR',
  'FILE_TOO_LARGE',
  'INTEGRITY_MISMATCH',
  'INTEGRITY_UNVERIFIABLE',
  // compatibility, decided from the manifest alone
  'CONTRACT_UNKNOWN',
  'CONTRACT_INCOMPATIBLE',
  'HOST_INCOMPATIBLE',
  'ISOLATION_UNAVAILABLE',
  'PERMISSION_NOT_GRANTED',
  'SYMLINK_OUTSIDE_PLUGIN',
  'PERMISSION_PATH_UNSAFE',
  // host options
  'HOST_OPTIONS_INVALID',
  // the registry and start order
  'DUPLICATE_NAME',
  'DEPENDENCY_MISSING',
  'DEPENDENCY_INCOMPATIBLE',
  'DEPENDENCY_CYCLE',
  'DEPENDENCY_FAILED',
  'PLUGIN_HAS_DEPENDENTS',
  // loading and setup
  'ENTRY_IMPORT_FAILED',
  'LOAD_TIMEOUT',
  'PLUGIN_INVALID_EXPORT',
  'SETUP_FAILED',
  'SETUP_TIMEOUT',
  'CONTRACT_NOT_IMPLEMENTED',
  'METHOD_MISSING',
  'META_INVALID',
  // calls
  'PLUGIN_NOT_FOUND',
  'PLUGIN_NOT_ACTIVE',
  'CONTRACT_NOT_PROVIDED',
  'USE_UNDECLARED',
  'CALL_ARGS_INVALID',
  'CALL_RESULT_INVALID',
  'CALL_FAILED',
  'CALL_TIMEOUT',
  'CALL_ABORTED',
  'CALL_ARGS_NOT_CLONEABLE',
  'CALL_RESULT_NOT_CLONEABLE',
  'MESSAGE_TOO_LARGE',
  'SCHEMA_ASYNC',
  // isolated plugins: what ends a worker or child process, and what the sandbox denies
  'PERMISSION_DENIED',
  'PLUGIN_UNCAUGHT_EXCEPTION',
  'PLUGIN_UNHANDLED_REJECTION',
  'PLUGIN_OUT_OF_MEMORY',
  'PLUGIN_EXITED',
  'PLUGIN_CRASHED',
  'PLUGIN_TERMINATED',
  'RESTARTS_EXHAUSTED',
  'PROTOCOL_VIOLATION',
  'PLUGIN_FLOODING',
  // hot reload
  'RELOAD_NAME_CHANGED',
  'RELOAD_BREAKS_DEPENDENT',
  'RELOAD_STATE_FAILED',
  'RELOAD_VETOED',
  'RELOAD_CANCELLED',
  'WATCH_PATH_INVALID',
  // stopping
  'TEARDOWN_FAILED',
  'TEARDOWN_TIMEOUT',
  'HOST_CLOSED',
  'INTERNAL_ERROR',
] as const;

export type PluginErrorCode = (typeof ERROR_CODES)[number];

/** One problem found while checking a value: where it is and what was wrong. */
export interface Issue {
  readonly code: PluginErrorCode;
  /** Dotted path to the offending value, `''` for the value itself. */
  readonly path: string;
  readonly message: string;
}

export interface PluginErrorOptions {
  readonly plugin?: string | undefined;
  readonly version?: string | undefined;
  /** The plugin folder or file the error concerns. */
  readonly path?: string | undefined;
  readonly contract?: string | undefined;
  readonly method?: string | undefined;
  readonly issues?: readonly Issue[] | undefined;
  /** Other plugins involved: the missing dependency, the members of a cycle. */
  readonly related?: readonly string[] | undefined;
  readonly cause?: unknown;
}

const brand = Symbol.for('plugboard.PluginError');

export class PluginError extends Error {
  override readonly name = 'PluginError';
  readonly code: PluginErrorCode;
  readonly plugin: string | undefined;
  readonly version: string | undefined;
  readonly path: string | undefined;
  readonly contract: string | undefined;
  readonly method: string | undefined;
  readonly issues: readonly Issue[];
  readonly related: readonly string[];

  constructor(code: PluginErrorCode, message: string, options: PluginErrorOptions = {}) {
    super(withSubject(message, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.plugin = options.plugin;
    this.version = options.version;
    this.path = options.path;
    this.contract = options.contract;
    this.method = options.method;
    this.issues = options.issues ?? [];
    this.related = options.related ?? [];
    Object.defineProperty(this, brand, { value: true });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      plugin: this.plugin,
      version: this.version,
      path: this.path,
      contract: this.contract,
      method: this.method,
      issues: this.issues.length > 0 ? this.issues : undefined,
      related: this.related.length > 0 ? this.related : undefined,
      cause: describeCause(this.cause),
    };
  }
}

/** Unlike `instanceof`, this works across copies of plugboard and across realms. */
export function isPluginError(value: unknown): value is PluginError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** A plugin's identity as it appears in messages: `add@1.0.0`. */
export function pluginLabel(name: string | undefined, version: string | undefined): string {
  if (name === undefined) return 'plugin';
  return version === undefined ? name : `${name}@${version}`;
}

/** Renders a thrown value for a message without assuming it is an Error. */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value); // JSON would print Infinity and NaN as null
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    // circular or exotic: fall through to String()
  }
  return String(value);
}

/** `path: message`, or just the message for an issue about the value itself. */
export function formatIssue(issue: Issue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

function withSubject(message: string, options: PluginErrorOptions): string {
  if (options.plugin === undefined) return message;
  return `${pluginLabel(options.plugin, options.version)}: ${message}`;
}

function describeCause(cause: unknown): unknown {
  if (cause === undefined) return undefined;
  if (isPluginError(cause)) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  return describeValue(cause);
}
