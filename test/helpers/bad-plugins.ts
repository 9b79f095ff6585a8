import type { PluginErrorCode } from 'plugboard';

/**
 * Fixtures (test/fixtures/plugins) that fail once their code runs: at import, in setup, or in
 * the contract check of what setup returned. Each must fail with the same code in every mode.
 */
export const PLUGIN_SIDE_FAILURES: readonly [fixture: string, code: PluginErrorCode][] = [
  ['throws-on-import', 'ENTRY_IMPORT_FAILED'],
  ['syntax-error', 'ENTRY_IMPORT_FAILED'],
  ['hangs-on-import', 'LOAD_TIMEOUT'],
  ['not-a-plugin', 'PLUGIN_INVALID_EXPORT'],
  ['no-default-export', 'PLUGIN_INVALID_EXPORT'],
  ['throws-in-setup', 'SETUP_FAILED'],
  ['hangs-in-setup', 'SETUP_TIMEOUT'],
  ['setup-returns-nothing', 'CONTRACT_NOT_IMPLEMENTED'],
  ['method-missing', 'METHOD_MISSING'],
  ['meta-wrong-type', 'META_INVALID'],
];
