import type { CallTarget, PluginRecord } from './records.js';

/**
 * A plugin name and the versions of it the host holds. `current` is the one the name refers
 * to and that serves calls; `records` may hold a second version beside it while it is swapped in.
 */
export interface Slot {
  readonly name: string;
  current: PluginRecord;
  readonly records: Set<PluginRecord>;
  /** Reloads that switched this name to a new version. */
  reloads: number;
}

/** The host's plugins by name, and the default implementations it falls back to. */
export interface Registry {
  /** Bumped on every change that can alter which target serves a call. */
  readonly generation: number;
  /** Records such a change. */
  touch(): void;
  /** Calls `listener` after each change. */
  onChange(listener: () => void): void;
  slot(name: string): Slot | undefined;
  slots(): IterableIterator<Slot>;
  /** Makes `record` the current version of its name, creating the slot when needed. */
  place(record: PluginRecord): Slot;
  remove(name: string): void;
  /** Active plugins providing `contractId`, in the order they were placed. */
  providers(contractId: string): CallTarget[];
  setFallback(contractId: string, target: CallTarget | undefined): void;
  fallback(contractId: string): CallTarget | undefined;
}

export function createRegistry(): Registry {
  const slots = new Map<string, Slot>();
  const fallbacks = new Map<string, CallTarget>();
  const listeners: (() => void)[] = [];
  const changed = () => {
    registry.generation++;
    for (const listener of listeners) listener();
  };
  const registry: Registry & { generation: number } = {
    generation: 0,
    touch: changed,
    onChange(listener) {
      listeners.push(listener);
    },
    slot: (name) => slots.get(name),
    slots: () => slots.values(),
    place(record) {
      let slot = slots.get(record.name);
      if (slot === undefined) {
        slot = { name: record.name, current: record, records: new Set([record]), reloads: 0 };
        slots.set(record.name, slot);
      } else {
        slot.records.add(record);
        slot.current = record;
      }
      changed();
      return slot;
    },
    remove(name) {
      slots.delete(name);
      changed();
    },
    providers(contractId) {
      const found: CallTarget[] = [];
      for (const slot of slots.values()) {
        const target = slot.current.state === 'active' ? slot.current.targets.get(contractId) : undefined;
        if (target !== undefined) found.push(target);
      }
      return found;
    },
    setFallback(contractId, target) {
      if (target === undefined) fallbacks.delete(contractId);
      else fallbacks.set(contractId, target);
      changed();
    },
    fallback: (contractId) => fallbacks.get(contractId),
  };
  return registry;
}
