// Recognition-driven segmentation (LeCun et al. 1998, "heuristic over-segmentation"): a unit's candidate cuts are the
// nodes of a graph, every plausible piece between two cuts an edge scored by how sure the classifier is of it, and the
// reading is the best path. Written by hand because no maintained JavaScript library does recognition-driven
// segmentation: OCR engines (Tesseract and its ports) segment by their own rules, with no classifier of ours in the loop.

/** A piece between cut `from` and cut `to` (node indices), with its score (log-confidence less geometric penalties). */
export interface Edge {
  from: number;
  to: number;
  score: number;
}

export interface Path {
  score: number;
  /** Indices into the edges, left to right. */
  edges: number[];
}

/** For k = 1..kMax, the best path from node 0 to node `nodes − 1` over exactly k edges (undefined where none exists). */
export function bestPaths(nodes: number, edges: readonly Edge[], kMax: number): Array<Path | undefined> {
  // best[k][n]: best score reaching node n with k edges; via[k][n]: the edge that got there.
  const best = Array.from({ length: kMax + 1 }, () => new Float64Array(nodes).fill(-Infinity));
  const via = Array.from({ length: kMax + 1 }, () => new Int32Array(nodes).fill(-1));
  best[0][0] = 0;
  const byFrom = [...edges.keys()].sort((a, b) => edges[a].from - edges[b].from);
  for (let k = 1; k <= kMax; k++) {
    for (const e of byFrom) {
      const { from, to, score } = edges[e];
      const s = best[k - 1][from] + score;
      if (s > best[k][to]) {
        best[k][to] = s;
        via[k][to] = e;
      }
    }
  }
  const paths: Array<Path | undefined> = [undefined];
  for (let k = 1; k <= kMax; k++) {
    if (best[k][nodes - 1] === -Infinity) {
      paths.push(undefined);
      continue;
    }
    const path: number[] = [];
    for (let n = nodes - 1, j = k; j > 0; j--) {
      const e = via[j][n];
      path.unshift(e);
      n = edges[e].from;
    }
    paths.push({ score: best[k][nodes - 1], edges: path });
  }
  return paths;
}

/**
 * How many digits each unit holds: per unit, the count whose best path scores highest (scores[u][k], −∞ where there is
 * none); with `total`, the counts that sum to it with the highest total score (a knapsack over units). Undefined when
 * no choice reaches `total`.
 */
export function chooseCounts(scores: ReadonlyArray<ReadonlyArray<number>>, total?: number): number[] | undefined {
  if (total === undefined) {
    return scores.map((byK) => {
      let k = 1;
      for (let j = 1; j < byK.length; j++) if (byK[j] > byK[k]) k = j;
      return k;
    });
  }
  // table[u][t]: best score of units 0..u−1 holding t digits.
  const table = Array.from({ length: scores.length + 1 }, () => new Float64Array(total + 1).fill(-Infinity));
  const pick = Array.from({ length: scores.length + 1 }, () => new Int32Array(total + 1));
  table[0][0] = 0;
  scores.forEach((byK, u) => {
    for (let t = 0; t <= total; t++) {
      if (table[u][t] === -Infinity) continue;
      for (let k = 1; k < byK.length && t + k <= total; k++) {
        const s = table[u][t] + byK[k];
        if (s > table[u + 1][t + k]) {
          table[u + 1][t + k] = s;
          pick[u + 1][t + k] = k;
        }
      }
    }
  });
  if (table[scores.length][total] === -Infinity) return undefined;
  const counts: number[] = [];
  for (let u = scores.length, t = total; u > 0; u--) {
    counts.unshift(pick[u][t]);
    t -= pick[u][t];
  }
  return counts;
}
