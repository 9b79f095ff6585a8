import type { AnyContract, Api } from '../contract/define-contract.js';
import { type Logger, refuseUse } from '../contract/define-plugin.js';
import type { ContextSource } from '../isolation/types.js';
import type { PluginRecord } from './records.js';

export interface ContextDeps {
  readonly logger: Logger;
  readonly contracts: ReadonlyMap<string, AnyContract>;
  readonly config: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The named plugin's implementation, or the first provider other than `except`. */
  readonly get: <C extends AnyContract>(contract: C, name: string | undefined, except: string) => Api<C>;
}

/** The host's half of a plugin's `ctx`: its logger, its config, and `use()` of what it requires. */
export function createContextSource(record: PluginRecord, deps: ContextDeps): ContextSource {
  const required = Object.keys(record.manifest.requires ?? {});
  return {
    logger: childLogger(deps.logger, { plugin: record.name, version: record.version }),
    config: Object.freeze({ ...deps.config[record.name] }),
    use<C extends AnyContract>(wanted: C | C['id'], name?: string): Api<C> {
      const id = typeof wanted === 'string' ? wanted : wanted.id;
      const refused = refuseUse(record, { id, name }, required, (known) => deps.contracts.has(known));
      if (refused !== undefined) throw refused;
      // The host's own contract object (a plugin's copy may differ in identity, not in id); a
      // plugin that provides the contract it uses is not its own provider.
      return deps.get(deps.contracts.get(id) as C, name, record.name);
    },
  };
}

// The host's `plugin` and `version` come last: a plugin's own fields cannot speak for another.
function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (message, extra) => logger.debug(message, { ...extra, ...fields }),
    info: (message, extra) => logger.info(message, { ...extra, ...fields }),
    warn: (message, extra) => logger.warn(message, { ...extra, ...fields }),
    error: (message, extra) => logger.error(message, { ...extra, ...fields }),
  };
}
