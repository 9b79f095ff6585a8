import type { PluginError } from '../errors.js';
import { type CallStats, type CallTarget, createStats } from './records.js';

export type Method = (...args: unknown[]) => unknown;
type Methods = Readonly<Record<string, Method>>;

/** Where a handle's calls go, and why nothing serves them when nothing does. */
export interface TargetSource {
  find(): CallTarget | undefined;
  explain(): PluginError;
}

/**
 * The cell a handle calls through. While the link is fresh, `methods` is the target's own
 * implementation, so a call costs a property load and the plugin's function. When the registry
 * changes, `stale()` swaps in stand-ins that find the target again before calling it, so the hot
 * path never asks whether the link is fresh. (Swapping stand-ins in more often, to time calls,
 * was measured: the call site turns polymorphic and a call costs four times as much.)
 */
export interface Link {
  methods: Methods;
  /** The target's counters; a detached set while the link is stale. */
  stats: CallStats;
  target: CallTarget | undefined;
  /** The target, found again if the link is stale; throws the explanation when nothing serves. */
  current(): CallTarget;
  stale(): void;
}

// Counts the calls that arrive while a link is stale; the stand-ins count them again for real.
const detached = createStats();

export function createLink(source: TargetSource, names: readonly string[]): Link {
  let fresh = false;
  const standIns = (make: (name: string) => Method): Methods =>
    Object.fromEntries(names.map((name) => [name, make(name)]));

  const refresh = () => {
    fresh = true;
    const target = source.find();
    link.target = target;
    link.methods = target === undefined ? absent : (target.implementation as Methods);
    link.stats = target?.stats ?? detached;
  };
  const staleMethods = standIns((name) => (...args) => {
    refresh();
    link.stats.calls++;
    return (link.methods[name] as Method)(...args);
  });
  const absent = standIns(() => () => {
    throw source.explain();
  });

  const link: Link = {
    methods: staleMethods,
    stats: detached,
    target: undefined,
    current() {
      if (!fresh) refresh();
      if (link.target === undefined) throw source.explain();
      return link.target;
    },
    stale() {
      fresh = false;
      link.methods = staleMethods;
      link.stats = detached;
    },
  };
  return link;
}
