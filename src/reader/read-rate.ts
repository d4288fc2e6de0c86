// How a reader's confidence serves a sorting office: accept the most confident readings first, send the rest to a
// person. The read rate at an error is the largest share it can accept with at most that share of the accepted wrong;
// a threshold accepts every reading at or above it, so tied confidences are accepted or refused together.

export interface Judged {
  right: boolean;
  confidence: number;
}

export interface ReadRate {
  /** Share of all readings accepted. */
  rate: number;
  /** The lowest confidence accepted (Infinity when none can be). */
  threshold: number;
  accepted: number;
  wrong: number;
}

export function readRate(results: readonly Judged[], maxError: number): ReadRate {
  const sorted = [...results].sort((a, b) => b.confidence - a.confidence);
  let best: ReadRate = { rate: 0, threshold: Infinity, accepted: 0, wrong: 0 };
  let wrong = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (!sorted[i].right) wrong++;
    const endOfTie = i === sorted.length - 1 || sorted[i + 1].confidence < sorted[i].confidence;
    if (endOfTie && wrong <= maxError * (i + 1))
      best = { rate: (i + 1) / sorted.length, threshold: sorted[i].confidence, accepted: i + 1, wrong };
  }
  return best;
}

export interface ReliabilityRow {
  /** The bin [lo, hi) (the last one closed). */
  lo: number;
  hi: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/** Confidence bins against how often the readings in them were right (the bins of the README's table). */
export function reliability(
  results: readonly Judged[],
  edges: readonly number[] = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1],
): ReliabilityRow[] {
  return edges.slice(0, -1).map((lo, i) => {
    const hi = edges[i + 1];
    const last = i === edges.length - 2;
    const inBin = results.filter((r) => r.confidence >= lo && (r.confidence < hi || (last && r.confidence <= hi)));
    return {
      lo,
      hi,
      count: inBin.length,
      meanConfidence: inBin.reduce((s, r) => s + r.confidence, 0) / Math.max(1, inBin.length),
      accuracy: inBin.filter((r) => r.right).length / Math.max(1, inBin.length),
    };
  });
}
