/** min / median / max of a list of numbers. */
export function spread(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], n: sorted.length };
}

/** "min–median–max" with `digits` decimals. */
export function range3(s, digits = 2) {
  if (!s.n) return "n/a";
  return s.min === s.max ? s.min.toFixed(digits) : `${s.min.toFixed(digits)}/${s.median.toFixed(digits)}/${s.max.toFixed(digits)}`;
}

/** Ratio of medians, and of the whole spread (ours min/their max … ours max/their min). */
export function ratioOf(ours, reference) {
  if (!ours.n || !reference.n || !reference.median) return "n/a";
  return `${(ours.median / reference.median).toFixed(2)}×`;
}
