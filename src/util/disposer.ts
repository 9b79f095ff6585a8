/** What every registration returns: call it, or let `using` call it, to undo the registration. */
export type Disposer = (() => void) & Disposable;

export function createDisposer(dispose: () => void): Disposer {
  let disposed = false;
  const once = () => {
    if (disposed) return;
    disposed = true;
    dispose();
  };
  return Object.assign(once, { [Symbol.dispose]: once });
}
