/**
 * Summary statistics for the init samples. There are only a handful of them (one per fresh
 * process), and tinybench's summaries stop at p75/p99, so the p90 the targets use is computed
 * here, by linear interpolation between order statistics as tinybench does.
 */
export interface Summary {
  readonly samples: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
};

export const summarize = (values: readonly number[]): Summary => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
};

/**
 * The median of the ratios of paired samples (`numerator[i] / denominator[i]`, taken at about
 * the same moment): a drift of the machine's speed during a run moves both sides of a pair, so
 * it cancels here, where it would not in the ratio of two separate medians.
 */
export const pairedRatio = (
  numerator: readonly number[],
  denominator: readonly number[],
): number => {
  const count = Math.min(numerator.length, denominator.length);
  const ratios = Array.from(
    { length: count },
    (_, index) => (numerator[index] ?? Number.NaN) / (denominator[index] ?? Number.NaN),
  );
  return percentile(
    ratios.sort((a, b) => a - b),
    0.5,
  );
};
