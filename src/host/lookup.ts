import type { AnyContract, Api } from '../contract/define-contract.js';
import { PluginError } from '../errors.js';
import { type CallPolicy, createApi } from './handles.js';
import type { Registry } from './registry.js';

/** Finds the targets of handles: by plugin name, first provider, or every provider. */
export interface Lookup {
  /** The named plugin's implementation of `contract`. */
  named<C extends AnyContract>(contract: C, name: string): Api<C>;
  /** The first active provider of `contract` other than `except`, or the host's default for it. */
  first<C extends AnyContract>(contract: C, except?: string): Api<C>;
  /** Every active provider of `contract`, or the default alone when there is none. */
  all<C extends AnyContract>(contract: C): Api<C>[];
}

export function createLookup(registry: Registry, policy: CallPolicy): Lookup {
  const allCache = new Map<string, { generation: number; apis: Api<AnyContract>[] }>();

  const named = <C extends AnyContract>(contract: C, name: string): Api<C> => {
    const find = () => {
      const current = registry.slot(name)?.current;
      return current?.state === 'active' ? current.targets.get(contract.id) : undefined;
    };
    return createApi(
      contract,
      { clock: registry, find, explain: () => whyNotNamed(registry, contract.id, name) },
      policy,
    );
  };

  return {
    named,
    first(contract, except) {
      const find = () =>
        registry.providers(contract.id).find((target) => target.plugin !== except) ?? registry.fallback(contract.id);
      const explain = () =>
        new PluginError(
          'CONTRACT_NOT_PROVIDED',
          `no active plugin provides \`${contract.id}\`, and the host has no default for it`,
          {
            contract: contract.id,
          },
        );
      return createApi(contract, { clock: registry, find, explain }, policy);
    },
    all<C extends AnyContract>(contract: C) {
      const hit = allCache.get(contract.id);
      if (hit !== undefined && hit.generation === registry.generation) return [...hit.apis] as Api<C>[];
      const providers = registry.providers(contract.id);
      const fallback = registry.fallback(contract.id);
      const apis: Api<C>[] =
        providers.length > 0
          ? providers.map((target) => named(contract, target.plugin))
          : fallback === undefined
            ? []
            : [
                createApi(
                  contract,
                  { clock: registry, find: () => fallback, explain: () => whyNotNamed(registry, contract.id, '') },
                  policy,
                ),
              ];
      allCache.set(contract.id, { generation: registry.generation, apis: apis as Api<AnyContract>[] });
      return [...apis];
    },
  };
}

/** Why the named plugin cannot serve `contractId` right now. */
export function whyNotNamed(registry: Registry, contractId: string, name: string): PluginError {
  const current = registry.slot(name)?.current;
  if (current === undefined) {
    const names = [...registry.slots()].map((slot) => slot.name);
    return new PluginError(
      'PLUGIN_NOT_FOUND',
      `no plugin named \`${name}\` is loaded (loaded: ${names.join(', ') || 'none'})`,
      {
        plugin: name,
        contract: contractId,
      },
    );
  }
  const subject = { plugin: current.name, version: current.version, contract: contractId };
  if (!(contractId in current.manifest.provides)) {
    return new PluginError('CONTRACT_NOT_PROVIDED', `does not provide \`${contractId}\``, subject);
  }
  return new PluginError('PLUGIN_NOT_ACTIVE', `is ${current.state}, not active`, { ...subject, cause: current.error });
}
