// What `import ... from 'plugboard'` gives a plugin running in a child process (and in a worker,
// when its folder does not find plugboard by itself): the plugin-side API. The host's side, and
// defineContract, need modules a sandboxed plugin may not read.

export type { AnyContract, Api, Contract, Implementation, MethodSpec } from './contract/define-contract.js';
export type { Logger, PluginContext, PluginDefinition } from './contract/define-plugin.js';
export { definePlugin } from './contract/define-plugin.js';
export type { Issue, PluginErrorCode } from './errors.js';
export { ERROR_CODES, isPluginError, PluginError } from './errors.js';
