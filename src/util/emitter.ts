import { createDisposer, type Disposer } from './disposer.js';

type Listener<T> = (payload: T) => void;

export interface Emitter<Events extends object> {
  on<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): Disposer;
  emit<Name extends keyof Events>(name: Name, payload: Events[Name]): void;
  has(name: keyof Events): boolean;
}

/**
 * A typed event emitter. A listener that throws is reported through `onListenerError`
 * and never stops the other listeners, nor the code that emitted.
 */
export function createEmitter<Events extends object>(
  onListenerError: (error: unknown, name: keyof Events) => void,
): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as Listener<never>);
      return createDisposer(() => {
        set.delete(listener as Listener<never>);
      });
    },
    emit(name, payload) {
      const set = listeners.get(name);
      if (set === undefined) return;
      for (const listener of [...set]) {
        try {
          (listener as Listener<typeof payload>)(payload);
        } catch (error) {
          onListenerError(error, name);
        }
      }
    },
    has(name) {
      return (listeners.get(name)?.size ?? 0) > 0;
    },
  };
}
