/**
 * Settles with `work`, or rejects with `onTimeout()` once `ms` have passed.
 * A budget of `Infinity` (or `0`) means no deadline. While the work is pending the timer keeps
 * the process alive, so a deadline is always reached: a plugin call that never settles gets its
 * timeout error, as it does in a worker, rather than leaving a script to exit mid-await.
 */
export function withTimeout<T>(work: PromiseLike<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return Promise.resolve(work);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
