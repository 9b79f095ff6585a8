import type { AnyContract, Api, MethodSpec } from '../contract/define-contract.js';
import { formatIssuePath, type StandardSchemaV1 } from '../contract/standard-schema.js';
import { describeValue, type Issue, PluginError, type PluginErrorCode } from '../errors.js';
import { abortFailure } from '../isolation/endings.js';
import { isThenable, withTimeout } from '../util/timeout.js';
import type { Link, Method } from './link.js';
import type { CallTarget } from './records.js';

export interface CallPolicy {
  readonly validate: boolean;
  readonly callTimeoutMs: number;
  /** Every method returns a Promise: the host may run plugins behind a boundary. */
  readonly async: boolean;
}

/** Options for the calls made through one handle: `host.get(contract, name, options)`. */
export interface CallOptions {
  /** The deadline of each call, overriding the plugin's and the host's. */
  readonly timeoutMs?: number;
  /**
   * Ends waiting for each call when aborted: `CALL_ABORTED`, or `CALL_TIMEOUT` for
   * `AbortSignal.timeout()`, which also terminates a worker or process plugin like any deadline.
   */
  readonly signal?: AbortSignal;
}

/**
 * Builds the typed object `host.get()` returns: the contract's metadata as getters and its
 * methods as wrappers that call through a link, so that a handle kept by the caller follows
 * the plugin through reloads. Each wrapper validates (unless turned off), applies the per-call
 * timeout to async methods, counts, and turns every failure into a PluginError naming the
 * plugin, version, contract and method.
 */
export function createApi<C extends AnyContract>(
  contract: C,
  link: Link,
  policy: CallPolicy,
  options: CallOptions = {},
): Api<C> {
  const api: Record<string, unknown> = {};
  for (const key of Object.keys(link.current().meta)) {
    Object.defineProperty(api, key, { enumerable: true, get: () => link.current().meta[key] });
  }
  for (const [name, spec] of Object.entries(contract.methods)) {
    const site = { contract: contract.id, method: name, spec };
    api[name] =
      spec.async === true || policy.async ? asyncMethod(site, link, policy, options) : syncMethod(site, link, policy);
  }
  return Object.freeze(api) as Api<C>;
}

interface CallSite {
  readonly contract: string;
  readonly method: string;
  readonly spec: MethodSpec;
}

// Timing a call costs more than a plain call, so validated synchronous calls are timed one in
// 64, and unvalidated ones (the trusted fast path, small enough to be inlined) are counted only.
const SAMPLE_MASK = 63;

function syncMethod(site: CallSite, link: Link, policy: CallPolicy): Method {
  const { method } = site;
  if (!policy.validate) {
    return (...args) => {
      link.stats.calls++;
      try {
        return (link.methods[method] as Method)(...args);
      } catch (error) {
        throw link.target === undefined ? error : failed(site, link.target, error);
      }
    };
  }
  return (...args) => {
    const target = link.current();
    const stats = target.stats;
    const sampled = (++stats.calls & SAMPLE_MASK) === 0;
    const started = sampled ? performance.now() : 0;
    const checkedArgs = settleSync(site, target, checkArgs(site, target, args)) as unknown[];
    let result: unknown;
    try {
      result = (target.implementation[method] as Method)(...checkedArgs);
    } catch (error) {
      throw failed(site, target, error);
    }
    const checked = settleSync(site, target, checkResult(site, target, result));
    if (sampled) stats.latency.record(performance.now() - started);
    return checked;
  };
}

function asyncMethod(site: CallSite, link: Link, policy: CallPolicy, options: CallOptions): Method {
  const { signal } = options;
  const invoke = (target: CallTarget, args: unknown[]): unknown => {
    try {
      return (target.implementation[site.method] as Method)(...args);
    } catch (error) {
      throw failed(site, target, error);
    }
  };
  const settle = (target: CallTarget, result: unknown): unknown =>
    policy.validate ? checkResult(site, target, result) : result;
  // A rejection from the plugin's own promise is its failure, named as such.
  const fromPlugin = (target: CallTarget, result: unknown): unknown =>
    isThenable(result)
      ? Promise.resolve(result).catch((error: unknown) => {
          throw failed(site, target, error);
        })
      : result;
  return (...args) => {
    let target: CallTarget;
    try {
      target = link.current();
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = options.timeoutMs ?? target.callTimeoutMs ?? policy.callTimeoutMs;
    if (target.remote !== undefined) return remoteCall(site, target, args, { timeoutMs, signal });
    const stats = target.stats;
    stats.calls++;
    if (signal?.aborted) return Promise.reject(aborted(site, target, signal));
    const started = performance.now();
    let pending: PromiseLike<unknown>;
    try {
      const checkedArgs = policy.validate ? checkArgs(site, target, args) : args;
      if (isThenable(checkedArgs)) {
        pending = Promise.resolve(checkedArgs).then((checked) =>
          fromPlugin(target, invoke(target, checked as unknown[])),
        );
      } else {
        const result = invoke(target, checkedArgs as unknown[]);
        // An inline answer given synchronously cannot miss its deadline: it needs no timer.
        if (!isThenable(result)) {
          const settled = settle(target, result);
          stats.latency.record(performance.now() - started);
          return Promise.resolve(settled);
        }
        pending = fromPlugin(target, result) as PromiseLike<unknown>;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    stats.inFlight++;
    const answered = Promise.resolve(pending).then((result) => settle(target, result));
    const work = withTimeout(answered, timeoutMs, () => {
      stats.errors++;
      return callError('CALL_TIMEOUT', site, target, `did not settle within ${timeoutMs} ms`);
    });
    const settled = signal === undefined ? work : untilAborted(work, signal, () => aborted(site, target, signal));
    return settled.finally(() => {
      if (--stats.inFlight === 0) stats.onIdle?.();
      stats.latency.record(performance.now() - started);
    });
  };
}

// A plugin behind a boundary is not trusted to keep to its contract: it is always checked. Its
// side keeps the deadline, because passing it must also end the plugin's worker or process.
// Written with one `then` rather than async functions: pipelined calls spend most of their
// time making promises and collecting them.
function remoteCall(
  site: CallSite,
  target: CallTarget,
  args: unknown[],
  options: { timeoutMs: number; signal: AbortSignal | undefined },
): Promise<unknown> {
  const stats = target.stats;
  const remote = target.remote as NonNullable<CallTarget['remote']>;
  stats.calls++;
  let checked: unknown;
  try {
    checked = checkArgs(site, target, args);
  } catch (error) {
    return Promise.reject(error);
  }
  if (isThenable(checked)) {
    return Promise.resolve(checked).then((value) => remoteCall(site, target, value as unknown[], options));
  }
  stats.inFlight++;
  const started = performance.now();
  return remote.call(site.contract, site.method, checked as unknown[], options).then(
    (result) => {
      if (--stats.inFlight === 0) stats.onIdle?.();
      stats.latency.record(performance.now() - started);
      return checkResult(site, target, result);
    },
    (error: unknown) => {
      if (--stats.inFlight === 0) stats.onIdle?.();
      stats.errors++;
      stats.latency.record(performance.now() - started);
      throw error;
    },
  );
}

function aborted(site: CallSite, target: CallTarget, signal: AbortSignal): PluginError {
  return abortFailure({ plugin: target.plugin, version: target.version }, site, signal);
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal, reason: () => PluginError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(reason());
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function checkArgs(site: CallSite, target: CallTarget, args: unknown[]): unknown {
  return check(site.spec.args, args, (result) => {
    const issues = toIssues('CALL_ARGS_INVALID', result);
    return callError(
      'CALL_ARGS_INVALID',
      site,
      target,
      `arguments rejected: ${describeIssues(issues, args, 'args')}`,
      issues,
    );
  });
}

function checkResult(site: CallSite, target: CallTarget, value: unknown): unknown {
  return check(site.spec.result, value, (result) => {
    target.stats.errors++;
    const issues = toIssues('CALL_RESULT_INVALID', result);
    const what = `returned a wrong result: ${describeIssues(issues, value, 'result')}`;
    return callError('CALL_RESULT_INVALID', site, target, what, issues);
  });
}

/** Validates with a Standard Schema; returns the output, or a Promise of it when the schema is async. */
function check(
  schema: StandardSchemaV1,
  value: unknown,
  reject: (failure: StandardSchemaV1.FailureResult) => PluginError,
): unknown {
  const finish = (result: StandardSchemaV1.Result<unknown>) => {
    if (result.issues === undefined) return result.value;
    throw reject(result);
  };
  const result = schema['~standard'].validate(value);
  return isThenable(result) ? Promise.resolve(result).then(finish) : finish(result);
}

function toIssues(code: PluginErrorCode, failure: StandardSchemaV1.FailureResult): Issue[] {
  return failure.issues.map((issue) => ({ code, path: formatIssuePath(issue.path), message: issue.message }));
}

function settleSync(site: CallSite, target: CallTarget, value: unknown): unknown {
  if (!isThenable(value)) return value;
  (value as Promise<unknown>).catch(() => {});
  throw callError(
    'SCHEMA_ASYNC',
    site,
    target,
    'has an async schema; declare the method `async: true` in the contract',
  );
}

function describeIssues(issues: readonly Issue[], value: unknown, root: string): string {
  const describe = (issue: Issue) =>
    issue.path === ''
      ? `${root}: ${issue.message}, got ${describeValue(value)}`
      : `${root}.${issue.path}: ${issue.message}`;
  return issues.map(describe).join('; ');
}

function failed(site: CallSite, target: CallTarget, error: unknown): PluginError {
  target.stats.errors++;
  return callError('CALL_FAILED', site, target, `threw: ${describeValue(error)}`, undefined, error);
}

function callError(
  code: PluginErrorCode,
  site: CallSite,
  target: CallTarget,
  what: string,
  issues?: readonly Issue[],
  cause?: unknown,
): PluginError {
  return new PluginError(code, `${site.contract}.${site.method} ${what}`, {
    plugin: target.plugin,
    version: target.version,
    contract: site.contract,
    method: site.method,
    issues,
    cause,
  });
}
