import type { AnyContract, Api } from '../contract/define-contract.js';
import { PluginError } from '../errors.js';
import { type CallOptions, type CallPolicy, createApi } from './handles.js';
import { createLink, type Link, type TargetSource } from './link.js';
import type { Registry } from './registry.js';

/** Finds the targets of handles: by plugin name, first provider, or every provider. */
export interface Lookup {
  /** The named plugin's implementation of `contract`. */
  named<C extends AnyContract>(contract: C, name: string, options?: CallOptions): Api<C>;
  /** The first active provider of `contract` other than `except`, or the host's default for it. */
  first<C extends AnyContract>(contract: C, except?: string, options?: CallOptions): Api<C>;
  /** Every active provider of `contract`, or the default alone when there is none. */
  all<C extends AnyContract>(contract: C): Api<C>[];
}

/**
 * Handles are made once per contract and target, and kept: the registry marks every link
 * stale when it changes, so the set of links must stay as small as the set of targets.
 */
export function createLookup(registry: Registry, policy: CallPolicy): Lookup {
  const handles = new Map<string, { link: Link; api: Api<AnyContract> }>();
  const links = new Set<Link>();
  const allCache = new Map<string, { generation: number; apis: Api<AnyContract>[] }>();
  registry.onChange(() => {
    for (const link of links) link.stale();
  });

  // Handles with call options are made per request, over the same kept link.
  const handle = <C extends AnyContract>(
    key: string,
    contract: C,
    source: TargetSource,
    options: CallOptions | undefined,
  ): Api<C> => {
    const known = handles.get(key);
    if (known !== undefined) {
      return (options === undefined ? known.api : createApi(contract, known.link, policy, options)) as Api<C>;
    }
    const link = createLink(source, Object.keys(contract.methods));
    const api = createApi(contract, link, policy); // throws when nothing serves: nothing is kept
    links.add(link);
    handles.set(key, { link, api: api as Api<AnyContract> });
    return options === undefined ? api : createApi(contract, link, policy, options);
  };

  const named = <C extends AnyContract>(contract: C, name: string, options?: CallOptions): Api<C> =>
    handle(
      `${contract.id}\u0000${name}`,
      contract,
      {
        find() {
          const current = registry.slot(name)?.current;
          return current?.state === 'active' ? current.targets.get(contract.id) : undefined;
        },
        explain: () => whyNotNamed(registry, contract.id, name),
      },
      options,
    );

  const first = <C extends AnyContract>(contract: C, except = '', options?: CallOptions): Api<C> =>
    handle(
      `${contract.id}\u0001${except}`,
      contract,
      {
        find: () =>
          registry.providers(contract.id).find((target) => target.plugin !== except) ?? registry.fallback(contract.id),
        explain: () =>
          new PluginError(
            'CONTRACT_NOT_PROVIDED',
            `no active plugin provides \`${contract.id}\`, and the host has no default for it`,
            {
              contract: contract.id,
            },
          ),
      },
      options,
    );

  return {
    named,
    first,
    all<C extends AnyContract>(contract: C) {
      const hit = allCache.get(contract.id);
      if (hit !== undefined && hit.generation === registry.generation) return [...hit.apis] as Api<C>[];
      const providers = registry.providers(contract.id);
      const apis: Api<C>[] =
        providers.length > 0
          ? providers.map((target) => named(contract, target.plugin))
          : registry.fallback(contract.id) === undefined
            ? []
            : [first(contract)];
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
