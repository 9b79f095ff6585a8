import type { AnyContract } from '../contract/define-contract.js';
import type { Logger } from '../contract/define-plugin.js';
import type { IsolationMode } from '../manifest/schema.js';
import type { IsolationPolicy, PluginPolicy } from './policy.js';
import type { ReloadOptions } from './reload.js';

/** How the host reloads plugins: the defaults of every reload, and what it tells about memory. */
export interface ReloadPolicy extends ReloadOptions {
  /**
   * Warn through the logger once this many inline plugin evaluations are held by Node for good
   * (plugins that cannot be bundled as CommonJS leak one on each reload). Default 50.
   */
  readonly retainedModulesWarning?: number;
}

/** How long a plugin may take to import its entry module. */
export const IMPORT_TIMEOUT_MS = 10_000;
/** How long `setup()` may take. */
export const SETUP_TIMEOUT_MS = 10_000;
/** How long an async method call may take. */
export const CALL_TIMEOUT_MS = 5_000;
/** How long `teardown()` may take. */
export const TEARDOWN_TIMEOUT_MS = 5_000;
/** How long `close()` may take in all. */
export const CLOSE_TIMEOUT_MS = 30_000;

export interface Timeouts {
  readonly importMs: number;
  readonly setupMs: number;
  readonly callMs: number;
  readonly teardownMs: number;
  readonly closeMs: number;
}

export interface HostOptions<Contracts extends readonly AnyContract[]> {
  /** The extension points this host offers. Plugins may only provide these. */
  readonly contracts: Contracts;
  /** The host's version, matched against each plugin's `engines.plugboard`. Defaults to plugboard's own. */
  readonly version?: string;
  /** Where plugboard and plugins log. Defaults to a logger that drops everything. */
  readonly logger?: Logger;
  /** Configuration by plugin name, handed to each plugin as `ctx.config`. */
  readonly config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Check every call's arguments and result against the contract. On by default; off for trusted plugins. */
  readonly validate?: boolean;
  readonly timeouts?: Partial<Timeouts>;
  /**
   * Where plugins run. Without it every plugin runs on the host's thread and calls are
   * synchronous as their contract says. With a mode or a policy (even `'inline'`), each plugin
   * runs in the strongest of its manifest's `isolation`, the policy's `minimum` and its load
   * call's, and every method returns a Promise, whatever the plugin's mode.
   */
  readonly isolation?: IsolationMode | IsolationPolicy;
  /** What the host decides per plugin, by name: minimum isolation, granted permissions, call deadline. */
  readonly plugins?: Readonly<Record<string, PluginPolicy>>;
  readonly reload?: ReloadPolicy;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export function resolveTimeouts(timeouts: Partial<Timeouts> = {}): Timeouts {
  return {
    importMs: timeouts.importMs ?? IMPORT_TIMEOUT_MS,
    setupMs: timeouts.setupMs ?? SETUP_TIMEOUT_MS,
    callMs: timeouts.callMs ?? CALL_TIMEOUT_MS,
    teardownMs: timeouts.teardownMs ?? TEARDOWN_TIMEOUT_MS,
    closeMs: timeouts.closeMs ?? CLOSE_TIMEOUT_MS,
  };
}
