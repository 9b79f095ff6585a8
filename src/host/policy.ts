import { describeValue, PluginError } from '../errors.js';
import type { SessionLimits } from '../isolation/remote.js';
import type { Grants, ResourceLimits } from '../isolation/types.js';
import { ISOLATION_MODES, type IsolationMode, type Manifest } from '../manifest/schema.js';
import type { BudgetLimits } from '../util/budget.js';

/** How a host supervises a plugin whose worker or process ends on its own, like an OTP supervisor. */
export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; past that the plugin stays `failed`. 0 never restarts. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Wait before the first restart in a window; doubled for each further one, up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface IsolationPolicy {
  /** The weakest mode any plugin runs in: a manifest asking less is raised to it. Default `inline`. */
  readonly minimum?: IsolationMode;
  readonly limits?: Partial<ResourceLimits>;
  readonly restart?: Partial<RestartPolicy>;
  /** Process mode: children started ahead of need, so a plugin without extra permissions starts in one. */
  readonly pool?: number;
  /**
   * What each isolated plugin may send without being asked (log entries, `ctx.use()` requests,
   * stdout and stderr): past it, what it sends is dropped and counted; past it for `floodMs`, the
   * plugin is ended with PLUGIN_FLOODING.
   */
  readonly budget?: Partial<BudgetLimits>;
}

/** What the host decides for one plugin, by name (`HostOptions.plugins`) or per load call. */
export interface PluginPolicy {
  /** The weakest mode this plugin may run in. */
  readonly isolation?: IsolationMode;
  /** Permissions the host grants; process mode applies those the manifest also asks for. */
  readonly grants?: Grants;
  /** Per-call deadline for this plugin's methods, overriding the host's. */
  readonly callTimeoutMs?: number;
}

export const DEFAULT_LIMITS: ResourceLimits = { heapMb: 256, rssMb: 1024, messageMb: 64 };
export const DEFAULT_BUDGET: BudgetLimits = { messagesPerSecond: 1_000, bytesPerSecond: 1024 * 1024, floodMs: 5_000 };
export const DEFAULT_RESTART: RestartPolicy = { maxRestarts: 3, windowMs: 60_000, backoffMs: 100, maxBackoffMs: 5_000 };

export interface ResolvedIsolation {
  /** False for a host created without `isolation`: its calls are synchronous as contracts declare. */
  readonly isolating: boolean;
  readonly minimum: IsolationMode;
  readonly limits: ResourceLimits;
  readonly restart: RestartPolicy;
  readonly pool: number;
  /** What a plugin behind a boundary may send: the largest message, and its unasked budget. */
  readonly session: SessionLimits;
}

export function resolveIsolation(option: IsolationMode | IsolationPolicy | undefined): ResolvedIsolation {
  const policy: IsolationPolicy = typeof option === 'string' ? { minimum: option } : (option ?? {});
  for (const [key, value] of Object.entries({ ...policy.restart, pool: policy.pool })) {
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0)))
      invalid(`isolation.${key}`, 'a number ≥ 0', value);
  }
  for (const [key, value] of Object.entries({ ...policy.limits })) {
    if (!(key in DEFAULT_LIMITS))
      invalid(`isolation.limits.${key}`, `one of ${Object.keys(DEFAULT_LIMITS).join(', ')}`, key);
    if (value !== undefined && (typeof value !== 'number' || !(value > 0)))
      invalid(`isolation.limits.${key}`, 'a number > 0', value);
  }
  for (const [key, value] of Object.entries({ ...policy.budget })) {
    if (!(key in DEFAULT_BUDGET))
      invalid(`isolation.budget.${key}`, `one of ${Object.keys(DEFAULT_BUDGET).join(', ')}`, key);
    if (value !== undefined && (typeof value !== 'number' || !(value > 0)))
      invalid(`isolation.budget.${key}`, 'a number > 0', value);
  }
  checkMode('isolation', policy.minimum);
  const limits = { ...DEFAULT_LIMITS, ...policy.limits };
  return {
    isolating: option !== undefined,
    minimum: policy.minimum ?? 'inline',
    limits,
    restart: { ...DEFAULT_RESTART, ...policy.restart },
    pool: policy.pool ?? 0,
    session: {
      maxMessageBytes: Math.floor(limits.messageMb * 1024 * 1024),
      budget: { ...DEFAULT_BUDGET, ...policy.budget },
    },
  };
}

/** Checks what a host decides for one plugin: `where` names it in the error (`plugins.add`, `load options`). */
export function checkPluginPolicy(policy: PluginPolicy | undefined, where: string): void {
  if (policy === undefined) return;
  if (typeof policy !== 'object' || policy === null) invalid(where, 'an object', policy);
  checkMode(`${where}.isolation`, policy.isolation);
  const timeout = policy.callTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
    invalid(`${where}.callTimeoutMs`, 'a number of ms > 0', timeout);
  }
  for (const [key, value] of Object.entries(policy.grants ?? {})) {
    if (!GRANTS.includes(key)) invalid(`${where}.grants.${key}`, `one of ${GRANTS.join(', ')}`, key);
    if (typeof value !== 'boolean') invalid(`${where}.grants.${key}`, 'a boolean', value);
  }
}

/** Checks reload and watch options: `drainMs` and `debounceMs` ≥ 0, `beforeSwap` a function, counts positive. */
export function checkReloadOptions(options: object | undefined, where: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) invalid(where, 'an object', options);
  const given = options as Record<string, unknown>;
  for (const key of ['drainMs', 'debounceMs']) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0)))
      invalid(`${where}.${key}`, 'a number of ms ≥ 0', value);
  }
  const warning = given.retainedModulesWarning;
  if (warning !== undefined && (!Number.isInteger(warning) || !((warning as number) > 0))) {
    invalid(`${where}.retainedModulesWarning`, 'a whole number > 0', warning);
  }
  if (given.beforeSwap !== undefined && typeof given.beforeSwap !== 'function') {
    invalid(`${where}.beforeSwap`, 'a function', given.beforeSwap);
  }
  if (given.initial !== undefined && typeof given.initial !== 'boolean')
    invalid(`${where}.initial`, 'a boolean', given.initial);
}

const GRANTS: readonly string[] = ['fsRead', 'fsWrite', 'childProcess', 'worker', 'addons'] satisfies (keyof Grants)[];

function checkMode(where: string, mode: unknown): void {
  if (mode !== undefined && !ISOLATION_MODES.includes(mode as IsolationMode)) {
    invalid(where, `one of ${ISOLATION_MODES.join(', ')}`, mode);
  }
}

function invalid(where: string, expected: string, got: unknown): never {
  throw new PluginError('HOST_OPTIONS_INVALID', `\`${where}\` must be ${expected}, got ${describeValue(got)}`);
}

/** The strongest of the modes asked for: the manifest's, the host's minimum, and the load call's. */
export function decideMode(manifest: Manifest, ...minimums: (IsolationMode | undefined)[]): IsolationMode {
  let mode = manifest.isolation ?? 'inline';
  for (const minimum of minimums) {
    if (minimum !== undefined && ISOLATION_MODES.indexOf(minimum) > ISOLATION_MODES.indexOf(mode)) mode = minimum;
  }
  return mode;
}

/** The delay before the next restart, or undefined when the window's allowance is spent. */
export function nextRestartDelay(policy: RestartPolicy, restarts: number[], now: number): number | undefined {
  while (restarts.length > 0 && now - (restarts[0] as number) > policy.windowMs) restarts.shift();
  if (restarts.length >= policy.maxRestarts) return undefined;
  return Math.min(policy.backoffMs * 2 ** restarts.length, policy.maxBackoffMs);
}
