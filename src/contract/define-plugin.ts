import { PluginError } from '../errors.js';
import type { AnyContract, Api, Implementation } from './define-contract.js';

/** The logger a host passes in; `console` fits. plugboard never prints on its own. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a plugin's `setup()` receives from the host. */
export interface PluginContext {
  readonly name: string;
  readonly version: string;
  /** The host's logger; every entry carries the plugin's name. */
  readonly logger: Logger;
  /** This plugin's configuration, as the host gave it (`{}` when none). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Aborted when the plugin starts stopping, before `teardown()` runs. */
  readonly signal: AbortSignal;
  /**
   * A contract this plugin `requires` in its manifest: the named plugin's implementation,
   * or without a name the first active provider (or the host's default). Pass the contract
   * object for full typing, or its id from plain JavaScript.
   */
  use<C extends AnyContract>(contract: C | C['id'], name?: string): Api<C>;
}

type Implementations<Provides extends readonly AnyContract[]> = AnyContract[] extends Provides
  ? Record<string, object>
  : { [C in Provides[number] as C['id']]: Implementation<C> };

/** A plugin: the default export of its entry module. */
export interface PluginDefinition<Provides extends readonly AnyContract[] = AnyContract[]> {
  /** Returns the implementation of each contract the manifest `provides`, keyed by contract id. */
  setup(ctx: PluginContext): Implementations<Provides> | Promise<Implementations<Provides>>;
  teardown?(): void | Promise<void>;
  /** Hot reload: state to hand to the next version. Must be structured-cloneable. */
  exportState?(): unknown;
  /** Hot reload: receives what the previous version's `exportState()` returned. */
  importState?(state: unknown): void | Promise<void>;
}

/**
 * Types a plugin; returns it unchanged. Name the contracts it provides to have its
 * implementations checked: `definePlugin<[typeof Operation]>({ setup: ... })`.
 */
export function definePlugin<const Provides extends readonly AnyContract[] = AnyContract[]>(
  plugin: PluginDefinition<Provides>,
): PluginDefinition<Provides> {
  return plugin;
}

const HOOKS = ['teardown', 'exportState', 'importState'] as const;

/** What is wrong with a module's default export as a plugin, or `undefined` when nothing is. */
export function describeInvalidPlugin(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return `expected the default export to be a plugin object with setup(ctx), got ${value === null ? 'null' : typeof value}`;
  }
  const plugin = value as Record<string, unknown>;
  if (typeof plugin.setup !== 'function') return 'expected the default export to have a setup(ctx) function';
  const wrong = HOOKS.find((hook) => plugin[hook] !== undefined && typeof plugin[hook] !== 'function');
  return wrong === undefined ? undefined : `expected \`${wrong}\` to be a function, got ${typeof plugin[wrong]}`;
}

/**
 * Why a plugin's `ctx.use(id, name)` is refused, or undefined when it may go ahead: its manifest
 * must require the contract (or the named plugin), and the host must declare the contract. The
 * same rule inline and behind a boundary.
 */
export function refuseUse(
  plugin: { readonly name: string; readonly version: string },
  use: { readonly id: string; readonly name: string | undefined },
  requires: readonly string[],
  hostKnows: (id: string) => boolean,
): PluginError | undefined {
  const subject = { plugin: plugin.name, version: plugin.version, contract: use.id };
  const declared = requires.includes(use.id) || (use.name !== undefined && requires.includes(use.name));
  if (!declared) {
    const what = use.name === undefined ? `contract \`${use.id}\`` : `plugin \`${use.name}\``;
    return new PluginError('USE_UNDECLARED', `used ${what}, which its manifest does not list in \`requires\``, subject);
  }
  if (!hostKnows(use.id)) {
    return new PluginError('CONTRACT_UNKNOWN', `used contract \`${use.id}\`, which the host does not declare`, subject);
  }
  return undefined;
}
