// One reported figure: medians of a value and of its baseline, measured in the same run.

export interface Figure {
  /** Stable key, the same in `--quick` and full runs. */
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number;
  /** What the baseline is, such as `direct call`. */
  readonly baselineLabel: string;
  /** The median of the per-round ratios value ÷ baseline (each round pairs the two). */
  readonly ratio: number;
  readonly target: string;
  /** Whether the target is met; `null` when there is no target or the run is `--quick`. */
  readonly pass: boolean | null;
  readonly samples: { readonly value: readonly number[]; readonly baseline: readonly number[] };
}

export interface FigureSpec {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly baselineLabel: string;
  readonly target: string;
  /** Judges the medians; absent when the figure has no target. */
  readonly meets?: (value: number, ratio: number) => boolean;
}

/** Pairs `value[i]` with `baseline[i]`, which were measured side by side in round `i`. */
export function toFigure(
  spec: FigureSpec,
  value: readonly number[],
  baseline: readonly number[],
  judge: boolean,
): Figure {
  const ratios = value.map((v, i) => v / (baseline[i] as number));
  const { meets, ...rest } = spec;
  const figure = { ...rest, value: median(value), baseline: median(baseline), ratio: median(ratios) };
  const pass = judge && meets !== undefined ? meets(figure.value, figure.ratio) : null;
  return { ...figure, pass, samples: { value, baseline } };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
