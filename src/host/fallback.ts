import type { AnyContract, Implementation } from '../contract/define-contract.js';
import { type Issue, PluginError } from '../errors.js';
import { checkImplementation } from '../loader/check-implementation.js';
import { type CallTarget, createStats } from './records.js';

// The name calls and errors give a default implementation.
const DEFAULT_PLUGIN = '(default)';

/** Checks a default implementation as a plugin's would be, and makes it a call target. */
export function defaultTarget<C extends AnyContract>(contract: C, implementation: Implementation<C>): CallTarget {
  const check = checkImplementation(contract, implementation);
  if ('then' in check) {
    throw new PluginError(
      'SCHEMA_ASYNC',
      `the meta schema of \`${contract.id}\` is async; a default needs a synchronous one`,
      { contract: contract.id },
    );
  }
  if (!check.ok) {
    throw new PluginError((check.issues[0] as Issue).code, `the default for \`${contract.id}\` is invalid`, {
      plugin: DEFAULT_PLUGIN,
      contract: contract.id,
      issues: check.issues,
    });
  }
  return {
    plugin: DEFAULT_PLUGIN,
    version: undefined,
    implementation: implementation as Readonly<Record<string, unknown>>,
    meta: check.meta,
    stats: createStats(),
  };
}
