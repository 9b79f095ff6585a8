import type { AnyContract, Api } from '../contract/define-contract.js';
import type { Logger } from '../contract/define-plugin.js';
import { PluginError } from '../errors.js';
import type { ContextSource } from '../isolation/types.js';
import type { PluginRecord } from './records.js';

export interface ContextDeps {
  readonly logger: Logger;
  readonly config: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly get: <C extends AnyContract>(contract: C, name?: string) => Api<C>;
}

/** The host's half of a plugin's `ctx`: its logger, its config, and `use()` of what it requires. */
export function createContextSource(record: PluginRecord, deps: ContextDeps): ContextSource {
  const requires = record.manifest.requires ?? {};
  return {
    logger: childLogger(deps.logger, { plugin: record.name, version: record.version }),
    config: Object.freeze({ ...deps.config[record.name] }),
    use(contract, name) {
      const declared = contract.id in requires || (name !== undefined && name in requires);
      if (!declared) {
        const what = name === undefined ? `contract \`${contract.id}\`` : `plugin \`${name}\``;
        throw new PluginError('USE_UNDECLARED', `used ${what}, which its manifest does not list in \`requires\``, {
          plugin: record.name,
          version: record.version,
          contract: contract.id,
        });
      }
      return deps.get(contract, name);
    },
  };
}

function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (message, extra) => logger.debug(message, { ...fields, ...extra }),
    info: (message, extra) => logger.info(message, { ...fields, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
    error: (message, extra) => logger.error(message, { ...fields, ...extra }),
  };
}
