// The public surface of plugboard. Everything a host or plugin author uses is named here.

export type {
  AnyContract,
  Api,
  AsyncApi,
  AsyncCallerMethod,
  CallerMethod,
  Contract,
  ContractSpec,
  Implementation,
  ImplementationMethod,
  MethodSpec,
} from './contract/define-contract.js';
export { defineContract } from './contract/define-contract.js';
export type { Logger, PluginContext, PluginDefinition } from './contract/define-plugin.js';
export { definePlugin } from './contract/define-plugin.js';
export type { StandardSchemaV1 } from './contract/standard-schema.js';
export type { Issue, PluginErrorCode, PluginErrorOptions } from './errors.js';
export { ERROR_CODES, isPluginError, PluginError } from './errors.js';
export type { CloseReport, Handle, Host, LoadOptions, UnloadOptions } from './host/create-host.js';
export { createHost, PLUGBOARD_VERSION, RETAINED_MODULES_WARNING } from './host/create-host.js';
export type {
  HostEvents,
  PluginRef,
  ReloadFailedEvent,
  ReloadingEvent,
  RestartEvent,
  TransitionEvent,
  UnloadedEvent,
} from './host/events.js';
export type { CallOptions } from './host/handles.js';
export type { ContractSnapshot, HostSnapshot, PluginSnapshot } from './host/inspect.js';
export type { LoadFailure, LoadReport } from './host/load-batch.js';
export type { HostOptions, ReloadPolicy, Timeouts } from './host/options.js';
export {
  CALL_TIMEOUT_MS,
  CLOSE_TIMEOUT_MS,
  IMPORT_TIMEOUT_MS,
  SETUP_TIMEOUT_MS,
  TEARDOWN_TIMEOUT_MS,
} from './host/options.js';
export type { IsolationPolicy, PluginPolicy, RestartPolicy } from './host/policy.js';
export { DEFAULT_LIMITS, DEFAULT_RESTART } from './host/policy.js';
export type { PluginInfo } from './host/records.js';
export type { BeforeSwap, PendingReload, ReloadOptions, ReloadReport, SwapProposal } from './host/reload.js';
export type { Watcher, WatchOptions } from './host/watch.js';
export { WATCH_DEBOUNCE_MS } from './host/watch.js';
export type { Grants, PoolState, ResourceLimits } from './isolation/types.js';
export type { PluginState } from './lifecycle/machine.js';
export { PLUGIN_STATES } from './lifecycle/machine.js';
export type { ScanResult } from './loader/scan.js';
export { scanPlugins } from './loader/scan.js';
export type { IsolationMode, Manifest } from './manifest/schema.js';
export { ISOLATION_MODES } from './manifest/schema.js';
export type { Disposer } from './util/disposer.js';
