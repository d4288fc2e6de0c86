// Alternating rounds for the benchmarks. This VM's speed drifts by tens of percent from minute to minute, so ours and a
// baseline run in turns, the order flipped every round, and each ratio compares two runs made seconds apart.
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `ours` and `baseline` (when there is one) `rounds` times each, in alternating order; results in round order. */
export async function alternate<T>(
  rounds: number,
  ours: () => Promise<T>,
  baseline: (() => Promise<T>) | undefined,
  onRound?: (ours: T, baseline: T | undefined, round: number) => void,
): Promise<{ ours: T[]; baseline: T[] }> {
  const results = { ours: [] as T[], baseline: [] as T[] };
  for (let round = 0; round < rounds; round++) {
    const baselineFirst = baseline !== undefined && round % 2 === 1;
    if (baselineFirst) results.baseline.push(await baseline());
    results.ours.push(await ours());
    if (baseline && !baselineFirst) results.baseline.push(await baseline());
    onRound?.(results.ours[round], results.baseline[round], round);
  }
  return results;
}
