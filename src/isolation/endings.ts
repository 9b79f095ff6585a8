// What went wrong on the other side of a boundary, as the one PluginError code it deserves:
// how a worker or process ended, why a call failed, why a start failed.

import { describeValue, type Issue, isPluginError, PluginError, type PluginErrorCode } from '../errors.js';
import type { FatalKind } from '../protocol/messages.js';
import { fromWireError, type WireError } from '../protocol/wire-error.js';

/** How a worker or child process ended. */
export interface Ending {
  readonly code: number | null;
  readonly signal: string | null;
  /** A worker's error event. */
  readonly error?: unknown;
  /** The host saw it run out of memory (its resident size, or V8's last words on stderr). */
  readonly outOfMemory?: boolean;
}

export interface Subject {
  readonly plugin: string;
  /** Undefined for a host's default implementation. */
  readonly version: string | undefined;
}

export interface CallSite {
  readonly contract: string;
  readonly method: string;
}

type Mode = 'worker' | 'process';

// Node's names for what the permission model denies → the manifest permission that grants it.
const PERMISSIONS: Readonly<Record<string, string>> = {
  FileSystemRead: 'fsRead',
  FileSystemWrite: 'fsWrite',
  ChildProcess: 'childProcess',
  WorkerThreads: 'worker',
  Addons: 'addons',
};

/** An error about one call, naming the plugin, contract and method. */
export function siteError(
  subject: Subject,
  code: PluginErrorCode,
  call: CallSite,
  what: string,
  cause?: unknown,
  issues?: readonly Issue[],
): PluginError {
  return new PluginError(code, `${call.contract}.${call.method} ${what}`, {
    ...subject,
    contract: call.contract,
    method: call.method,
    issues,
    cause,
  });
}

/**
 * A call whose AbortSignal fired: CALL_TIMEOUT for `AbortSignal.timeout()`, which is a deadline,
 * CALL_ABORTED for any other reason.
 */
export function abortFailure(subject: Subject, call: CallSite, signal: AbortSignal): PluginError {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? siteError(subject, 'CALL_TIMEOUT', call, 'passed the deadline of its AbortSignal', reason)
    : siteError(subject, 'CALL_ABORTED', call, `was aborted: ${describeValue(reason)}`, reason);
}

/** Why a worker or process ended when nobody asked it to. */
export function whyEnded(
  ending: Ending,
  subject: Subject,
  mode: Mode,
  fatal: { kind: FatalKind; error: WireError } | undefined,
): PluginError {
  const how = ending.signal !== null ? `signal ${ending.signal}` : `exit code ${ending.code}`;
  if (ending.outOfMemory === true || hasCode(ending.error, 'ERR_WORKER_OUT_OF_MEMORY')) {
    return new PluginError('PLUGIN_OUT_OF_MEMORY', `ran out of memory and its ${mode} was ended (${how})`, subject);
  }
  if (fatal !== undefined) {
    const cause = fromWireError(fatal.error);
    return fatal.kind === 'uncaught-exception'
      ? new PluginError('PLUGIN_UNCAUGHT_EXCEPTION', `threw outside any call: ${cause.message}`, { ...subject, cause })
      : new PluginError('PLUGIN_UNHANDLED_REJECTION', `left a promise rejection unhandled: ${cause.message}`, {
          ...subject,
          cause,
        });
  }
  if (ending.error !== undefined) {
    return new PluginError('PLUGIN_UNCAUGHT_EXCEPTION', `threw outside any call: ${describeValue(ending.error)}`, {
      ...subject,
      cause: ending.error,
    });
  }
  if (ending.signal !== null) return new PluginError('PLUGIN_CRASHED', `its ${mode} crashed (${how})`, subject);
  return new PluginError('PLUGIN_EXITED', `its ${mode} exited (${how})`, subject);
}

/** A call's error from the other side: a denial, a boundary error, or what the plugin threw. */
export function callFailure(subject: Subject, call: CallSite, error: Error): PluginError {
  const denied = findDenied(error);
  if (denied !== undefined) {
    const { permission, where } = describeDenied(denied);
    return siteError(subject, 'PERMISSION_DENIED', call, `was denied \`${permission}\`${where}`, error, [
      deniedIssue(permission, where),
    ]);
  }
  if (isPluginError(error) && (error.code === 'CALL_RESULT_NOT_CLONEABLE' || error.code === 'METHOD_MISSING')) {
    return new PluginError(error.code, `${call.contract}.${call.method}: ${error.message}`, {
      ...subject,
      contract: call.contract,
      method: call.method,
      issues: error.issues,
    });
  }
  return siteError(subject, 'CALL_FAILED', call, `threw: ${describeValue(error)}`, error);
}

/**
 * Why a start or a stop failed on the other side. A PluginError keeps its code
 * (ENTRY_IMPORT_FAILED, SETUP_TIMEOUT, TEARDOWN_FAILED, ...) and gains the plugin's name and version.
 */
export function remoteFailure(
  subject: Subject,
  mode: Mode,
  entry: string,
  error: Error,
  doing: 'starting' | 'stopping',
): PluginError {
  const denied = findDenied(error);
  if (denied !== undefined) {
    const { permission, where } = describeDenied(denied);
    return new PluginError('PERMISSION_DENIED', `was denied \`${permission}\`${where} while ${doing}`, {
      ...subject,
      issues: [deniedIssue(permission, where)],
      cause: error,
    });
  }
  if (isPluginError(error)) {
    return new PluginError(error.code, error.message.replace(/^[^:]*: /, ''), {
      ...subject,
      path: entry,
      issues: error.issues,
      cause: error.cause,
    });
  }
  return new PluginError('INTERNAL_ERROR', `failed in its ${mode}: ${error.message}`, { ...subject, cause: error });
}

function describeDenied(denied: { permission?: string; resource?: string }): { permission: string; where: string } {
  const permission = PERMISSIONS[denied.permission ?? ''] ?? denied.permission ?? 'unknown';
  return { permission, where: denied.resource ? ` (${denied.resource})` : '' };
}

// Its path is the manifest field that would grant what was denied.
function deniedIssue(permission: string, where: string): Issue {
  return { code: 'PERMISSION_DENIED', path: `permissions.${permission}`, message: `denied${where}` };
}

function findDenied(error: unknown): { permission?: string; resource?: string } | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 8; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (code === 'ERR_ACCESS_DENIED') return at as { permission?: string };
    // Node 20 refuses process.dlopen() under the permission model with a code of its own.
    if (code === 'ERR_DLOPEN_DISABLED') return { permission: 'Addons' };
  }
  return undefined;
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
