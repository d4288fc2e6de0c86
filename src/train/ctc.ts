// Connectionist temporal classification (Graves et al. 2006): the loss of a label sequence given per-column scores,
// summed over every alignment of the labels to the columns (each label held for one or more columns, blanks between
// and around them, a blank required between two equal labels), and its gradient with respect to the logits. Written
// by hand because ONNX has no CTC op and onnxruntime-node has no training ops; computed here, outside the graph, it
// becomes the upstream gradient the gradient graph runs backward from (src/model/line-graphs.ts).
// Forward-backward in log space, in float64: a product of hundreds of probabilities underflows any float.

export interface CtcResult {
  /** −log p(label | scores); Infinity when the label cannot fit in the columns. */
  loss: number;
  /** d loss / d logits [T × C]: softmax − (the posterior share of alignments through each class at each column). */
  grad: Float64Array;
}

const NEG_INF = -Infinity;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Columns a label needs at least: one per label, plus a blank between each pair of equal neighbours. */
export function ctcMinFrames(label: ArrayLike<number>): number {
  let repeats = 0;
  for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) repeats++;
  return label.length + repeats;
}

/**
 * The CTC loss of `label` under `logProbs` ([T × C] log-softmax rows, as the model's `scores` give them) and its
 * gradient with respect to the logits the log-softmax was taken of. `blank` is the blank's class.
 */
export function ctc(logProbs: ArrayLike<number>, frames: number, classes: number, label: ArrayLike<number>, blank: number): CtcResult {
  const T = frames;
  const C = classes;
  // The extended label: blank, l1, blank, l2, …, blank (S = 2L + 1 states).
  const S = 2 * label.length + 1;
  const ext = new Int32Array(S).fill(blank);
  for (let i = 0; i < label.length; i++) ext[2 * i + 1] = label[i];
  const grad = new Float64Array(T * C);
  if (T === 0 || ctcMinFrames(label) > T) return { loss: Infinity, grad };

  // A state may be skipped into (from s − 2) when it is a label different from the label two states back.
  const skip = new Uint8Array(S);
  for (let s = 2; s < S; s++) skip[s] = ext[s] !== blank && ext[s] !== ext[s - 2] ? 1 : 0;

  const alpha = new Float64Array(T * S).fill(NEG_INF);
  const beta = new Float64Array(T * S).fill(NEG_INF);
  alpha[0] = logProbs[blank];
  if (S > 1) alpha[1] = logProbs[ext[1]];
  for (let t = 1; t < T; t++) {
    const row = t * S;
    const prev = row - S;
    for (let s = 0; s < S; s++) {
      let a = alpha[prev + s];
      if (s >= 1) a = logAdd(a, alpha[prev + s - 1]);
      if (skip[s]) a = logAdd(a, alpha[prev + s - 2]);
      alpha[row + s] = a === NEG_INF ? NEG_INF : a + logProbs[t * C + ext[s]];
    }
  }
  const last = (T - 1) * S;
  beta[last + S - 1] = logProbs[(T - 1) * C + blank];
  if (S > 1) beta[last + S - 2] = logProbs[(T - 1) * C + ext[S - 2]];
  for (let t = T - 2; t >= 0; t--) {
    const row = t * S;
    const after = row + S;
    for (let s = 0; s < S; s++) {
      let b = beta[after + s];
      if (s + 1 < S) b = logAdd(b, beta[after + s + 1]);
      if (s + 2 < S && skip[s + 2]) b = logAdd(b, beta[after + s + 2]);
      beta[row + s] = b === NEG_INF ? NEG_INF : b + logProbs[t * C + ext[s]];
    }
  }
  const logP = S > 1 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  if (logP === NEG_INF) return { loss: Infinity, grad };

  // α and β both include column t's own probability y_t(k), so the share of alignments in class k at column t is
  // γ_t(k) = Σ_{s: ext s = k} α_t(s)·β_t(s) / (p · y_t(k)), and d loss / d logit_t(k) = y_t(k) − γ_t(k).
  const occupancy = new Float64Array(C);
  for (let t = 0; t < T; t++) {
    occupancy.fill(NEG_INF);
    for (let s = 0; s < S; s++) {
      const ab = alpha[t * S + s] + beta[t * S + s];
      if (ab !== NEG_INF) occupancy[ext[s]] = logAdd(occupancy[ext[s]], ab);
    }
    for (let k = 0; k < C; k++) {
      const lp = logProbs[t * C + k];
      const posterior = occupancy[k] === NEG_INF ? 0 : Math.exp(occupancy[k] - logP - lp);
      grad[t * C + k] = Math.exp(lp) - posterior;
    }
  }
  return { loss: -logP, grad };
}

export interface CtcBatch {
  /** Mean loss over the samples that fit (the others are counted in `skipped`). */
  loss: number;
  /** d (mean loss) / d logits, [N × T × C] in the scores' layout; zero for a sample that does not fit. */
  grad: Float32Array;
  skipped: number;
}

/**
 * CTC over a batch of scores [N × T × C]. Sample i's label is aligned to its own first `valid[i]` columns (all T when
 * `valid` is absent); the columns after them see only the black padding of a batch of wider lines, and each adds
 * −log p(blank) to its sample's loss, so that the model learns to call padding blank and must read every digit in the
 * columns its own line has, as it will when served alone.
 */
export function ctcBatch(
  scores: Float32Array,
  n: number,
  frames: number,
  classes: number,
  labels: ArrayLike<number>[],
  blank: number,
  valid?: ArrayLike<number>,
): CtcBatch {
  const grad = new Float32Array(n * frames * classes);
  const per = frames * classes;
  const results = labels.map((label, i) => {
    const own = Math.min(frames, valid ? valid[i] : frames);
    const sample = scores.subarray(i * per, (i + 1) * per);
    const r = ctc(sample, own, classes, label, blank);
    if (!Number.isFinite(r.loss)) return r;
    const full = new Float64Array(per);
    full.set(r.grad);
    let loss = r.loss;
    for (let t = own; t < frames; t++) {
      loss -= sample[t * classes + blank];
      for (let k = 0; k < classes; k++) full[t * classes + k] = Math.exp(sample[t * classes + k]) - (k === blank ? 1 : 0);
    }
    return { loss, grad: full };
  });
  const fit = results.filter((r) => Number.isFinite(r.loss));
  const scale = fit.length ? 1 / fit.length : 0;
  results.forEach((r, i) => {
    if (!Number.isFinite(r.loss)) return;
    for (let j = 0; j < per; j++) grad[i * per + j] = r.grad[j] * scale;
  });
  const loss = fit.reduce((sum, r) => sum + r.loss, 0) * scale;
  return { loss, grad, skipped: n - fit.length };
}
