/** Latency percentiles over the most recent samples, kept in a fixed-size ring. */
export interface LatencyWindow {
  record(ms: number): void;
  percentiles(): { readonly p50: number | undefined; readonly p99: number | undefined; readonly samples: number };
}

export function createLatencyWindow(size = 1024): LatencyWindow {
  // Allocated on the first sample: most plugins of a large host are never timed.
  let ring: Float64Array | undefined;
  let count = 0;
  return {
    record(ms) {
      ring ??= new Float64Array(size);
      ring[count % size] = ms;
      count++;
    },
    percentiles() {
      const n = Math.min(count, size);
      if (ring === undefined || n === 0) return { p50: undefined, p99: undefined, samples: 0 };
      const sorted = ring.slice(0, n).sort();
      return { p50: rank(sorted, 0.5), p99: rank(sorted, 0.99), samples: n };
    },
  };
}

// Nearest-rank percentile: always one of the observed values.
function rank(sorted: Float64Array, q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}
