// Decoding the line model's per-column scores (CONTRACTS.md: [T, 11] log-probabilities, class 10 the CTC blank) into
// a number, with the number's posterior. Written here rather than taken from a library: no maintained JavaScript CTC
// decoder exists, and the length constraint and exact posteriors are the heart of the line reader. Pure: no I/O.
// Everything is in log space; a column's scores are log-probabilities over the 11 classes.

export const BLANK = 10;
export const CLASSES = 11;

/** One line's scores: frames × CLASSES log-probabilities, row-major. */
export interface LineScores {
  data: Float32Array;
  frames: number;
}

export interface Decoded {
  labels: number[];
  /** log P(labels | line): the sum over every alignment that collapses to it (exact). */
  logP: number;
}

const NEG = -Infinity;

/** log(e^a + e^b) without overflow. */
export function logAdd(a: number, b: number): number {
  if (a === NEG) return b;
  if (b === NEG) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Sample `i` of a batch's [N, frames, CLASSES] scores, where the batch may be wider than the line (padding on the
 * right is blank by contract, but is cut off here so it cannot add frames): its first `frames` columns. */
export function linesOf(batch: Float32Array, i: number, batchFrames: number, frames: number): LineScores {
  const start = i * batchFrames * CLASSES;
  return { data: batch.subarray(start, start + frames * CLASSES), frames };
}

/** The scores sharpened (T < 1) or softened (T > 1) by a temperature: each column log-softmax(x / T). */
export function withTemperature(scores: LineScores, temperature: number): LineScores {
  if (temperature === 1) return scores;
  const out = new Float32Array(scores.data.length);
  for (let t = 0; t < scores.frames; t++) {
    const row = t * CLASSES;
    let max = NEG;
    for (let k = 0; k < CLASSES; k++) max = Math.max(max, scores.data[row + k] / temperature);
    let sum = 0;
    for (let k = 0; k < CLASSES; k++) sum += Math.exp(scores.data[row + k] / temperature - max);
    const log = max + Math.log(sum);
    for (let k = 0; k < CLASSES; k++) out[row + k] = scores.data[row + k] / temperature - log;
  }
  return { data: out, frames: scores.frames };
}

/** The most likely class in each column, repeats merged, blanks dropped (not the most likely string: see beamSearch). */
export function bestPath(scores: LineScores): number[] {
  const labels: number[] = [];
  let previous = BLANK;
  for (let t = 0; t < scores.frames; t++) {
    const row = t * CLASSES;
    let best = 0;
    for (let k = 1; k < CLASSES; k++) if (scores.data[row + k] > scores.data[row + best]) best = k;
    if (best !== BLANK && best !== previous) labels.push(best);
    previous = best;
  }
  return labels;
}

/** log P(labels | line): CTC's forward sum over the alignments of labels with blanks between and around them. */
export function logProbability(scores: LineScores, labels: readonly number[]): number {
  const S = 2 * labels.length + 1;
  if (scores.frames === 0) return labels.length === 0 ? 0 : NEG;
  const symbol = (s: number) => (s % 2 === 0 ? BLANK : labels[(s - 1) / 2]);
  let alpha = new Float64Array(S).fill(NEG);
  alpha[0] = scores.data[BLANK];
  if (S > 1) alpha[1] = scores.data[symbol(1)];
  for (let t = 1; t < scores.frames; t++) {
    const next = new Float64Array(S).fill(NEG);
    const row = t * CLASSES;
    // Only states from which the rest of the labels still fit in the frames left can end the sum.
    const lo = Math.max(0, S - 2 * (scores.frames - t) - 1);
    for (let s = lo; s < S; s++) {
      let a = alpha[s];
      if (s > 0) a = logAdd(a, alpha[s - 1]);
      if (s > 1 && s % 2 === 1 && symbol(s) !== symbol(s - 2)) a = logAdd(a, alpha[s - 2]);
      next[s] = a === NEG ? NEG : a + scores.data[row + symbol(s)];
    }
    alpha = next;
  }
  return S > 1 ? logAdd(alpha[S - 1], alpha[S - 2]) : alpha[0];
}

interface Beam {
  labels: number[];
  /** log P(prefix, the last column blank) and log P(prefix, the last column its last label). */
  blank: number;
  label: number;
}

const total = (b: Beam) => logAdd(b.blank, b.label);

/**
 * CTC prefix beam search (Hannun et al. 2014, without a language model): the `beam` most likely prefixes after each
 * column, each with its probability summed over all its alignments seen so far. With `length`, only prefixes that
 * can still end with exactly that many digits are kept, and the beam is kept per prefix length, so strings of that
 * length always survive to the end. Returns the final strings, most likely first, each with its exact log P.
 */
export function beamSearch(scores: LineScores, beam: number, opts: { length?: number } = {}): Decoded[] {
  const { length } = opts;
  let beams = new Map<string, Beam>([['', { labels: [], blank: 0, label: NEG }]]);
  for (let t = 0; t < scores.frames; t++) {
    const row = t * CLASSES;
    const left = scores.frames - t - 1;
    const next = new Map<string, Beam>();
    const at = (labels: number[]) => {
      const key = labels.join('');
      let b = next.get(key);
      if (!b) next.set(key, (b = { labels, blank: NEG, label: NEG }));
      return b;
    };
    for (const b of beams.values()) {
      const p = total(b);
      const stay = at(b.labels);
      stay.blank = logAdd(stay.blank, p + scores.data[row + BLANK]);
      const last = b.labels.length > 0 ? b.labels[b.labels.length - 1] : -1;
      if (last >= 0) stay.label = logAdd(stay.label, b.label + scores.data[row + last]); // a repeat merges
      if (length !== undefined && b.labels.length >= length) continue;
      for (let c = 0; c < BLANK; c++) {
        const x = scores.data[row + c];
        if (x === NEG) continue;
        // After the same digit, a new one needs a blank between (else it merges): only the blank-ending part extends.
        const from = c === last ? b.blank : p;
        if (from === NEG) continue;
        const grown = at([...b.labels, c]);
        grown.label = logAdd(grown.label, from + x);
      }
    }
    let kept = [...next.values()];
    if (length !== undefined) kept = kept.filter((b) => b.labels.length + left >= length);
    beams = new Map(prune(kept, beam, length !== undefined).map((b) => [b.labels.join(''), b]));
  }
  let ended = [...beams.values()];
  if (length !== undefined) ended = ended.filter((b) => b.labels.length === length);
  return ended.map((b) => ({ labels: b.labels, logP: logProbability(scores, b.labels) })).sort((a, b) => b.logP - a.logP);
}

/** The `beam` most likely, over all lengths or per length. */
function prune(beams: Beam[], beam: number, perLength: boolean): Beam[] {
  const best = (bs: Beam[]) => bs.sort((a, b) => total(b) - total(a)).slice(0, beam);
  if (!perLength) return best(beams);
  const byLength = new Map<number, Beam[]>();
  for (const b of beams) byLength.set(b.labels.length, [...(byLength.get(b.labels.length) ?? []), b]);
  return [...byLength.values()].flatMap(best);
}

/**
 * log P(the line holds exactly `length` digits): the sum over every alignment whose collapse has that length, by a
 * forward pass over (digits so far, last class). Dividing a string's P by it gives its posterior given the length.
 */
export function logProbabilityOfLength(scores: LineScores, length: number): number {
  if (scores.frames === 0) return length === 0 ? 0 : NEG;
  // state[k * CLASSES + c]: k digits emitted so far, the last column's class c.
  const width = (length + 1) * CLASSES;
  let state = new Float64Array(width).fill(NEG);
  state[BLANK] = scores.data[BLANK];
  if (length > 0) for (let c = 0; c < BLANK; c++) state[CLASSES + c] = scores.data[c];
  for (let t = 1; t < scores.frames; t++) {
    const row = t * CLASSES;
    const next = new Float64Array(width).fill(NEG);
    for (let k = 0; k <= length; k++) {
      let all = NEG;
      for (let c = 0; c < CLASSES; c++) all = logAdd(all, state[k * CLASSES + c]);
      if (all === NEG) continue;
      next[k * CLASSES + BLANK] = logAdd(next[k * CLASSES + BLANK], all + scores.data[row + BLANK]);
      for (let c = 0; c < BLANK; c++) {
        const x = scores.data[row + c];
        // The same digit again merges (k stays); after any other class it is a new digit.
        next[k * CLASSES + c] = logAdd(next[k * CLASSES + c], state[k * CLASSES + c] + x);
        if (k === length) continue;
        let other = NEG;
        for (let o = 0; o < CLASSES; o++) if (o !== c) other = logAdd(other, state[k * CLASSES + o]);
        next[(k + 1) * CLASSES + c] = logAdd(next[(k + 1) * CLASSES + c], other + x);
      }
    }
    state = next;
  }
  let sum = NEG;
  for (let c = 0; c < CLASSES; c++) sum = logAdd(sum, state[length * CLASSES + c]);
  return sum;
}

/**
 * The most likely alignment of `labels` (Viterbi over CTC's blank-interleaved states): for each label, the first and
 * last column it holds. Undefined when the labels do not fit in the frames.
 */
export function align(scores: LineScores, labels: readonly number[]): Array<{ first: number; last: number; peak: number }> | undefined {
  const S = 2 * labels.length + 1;
  const T = scores.frames;
  if (T === 0) return labels.length === 0 ? [] : undefined;
  const symbol = (s: number) => (s % 2 === 0 ? BLANK : labels[(s - 1) / 2]);
  const from = new Int32Array(T * S).fill(-1);
  let score = new Float64Array(S).fill(NEG);
  score[0] = scores.data[BLANK];
  if (S > 1) score[1] = scores.data[symbol(1)];
  for (let t = 1; t < T; t++) {
    const next = new Float64Array(S).fill(NEG);
    for (let s = 0; s < S; s++) {
      let best = score[s];
      let arg = s;
      if (s > 0 && score[s - 1] > best) [best, arg] = [score[s - 1], s - 1];
      if (s > 1 && s % 2 === 1 && symbol(s) !== symbol(s - 2) && score[s - 2] > best) [best, arg] = [score[s - 2], s - 2];
      if (best === NEG) continue;
      next[s] = best + scores.data[t * CLASSES + symbol(s)];
      from[t * S + s] = arg;
    }
    score = next;
  }
  let s = S > 1 && score[S - 2] > score[S - 1] ? S - 2 : S - 1;
  if (score[s] === NEG) return undefined;
  const spans = labels.map(() => ({ first: T, last: -1, peak: -1 }));
  for (let t = T - 1; t >= 0; t--) {
    if (s % 2 === 1) {
      const span = spans[(s - 1) / 2];
      span.first = t;
      if (span.last < 0) span.last = t;
      if (span.peak < 0 || scores.data[t * CLASSES + symbol(s)] >= scores.data[span.peak * CLASSES + symbol(s)]) span.peak = t;
    }
    if (t > 0) s = from[t * S + s];
  }
  return spans;
}

/**
 * Each digit's ten probabilities given the rest of the string: P(string with digit i replaced by d | line),
 * normalised over d. The chosen digit's share is its confidence; the others say what else it could be.
 */
export function digitPosteriors(scores: LineScores, labels: readonly number[]): number[][] {
  return labels.map((_, i) => {
    const logs = Array.from({ length: BLANK }, (_, d) => logProbability(scores, labels.map((l, j) => (j === i ? d : l))));
    const max = Math.max(...logs);
    if (max === NEG) return logs.map((_, d) => (d === labels[i] ? 1 : 0));
    const exp = logs.map((l) => Math.exp(l - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return exp.map((e) => e / sum);
  });
}
