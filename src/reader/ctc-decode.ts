// Decoding the line model's per-column scores (docs/contracts.md: [T, 11] log-probabilities, class 10 the CTC blank) into
// a number, with the number's posterior. Written here rather than taken from a library: no maintained JavaScript CTC
// decoder exists, and the length constraint and exact posteriors are the heart of the line reader. Pure: no I/O.
// Scores come in as log-probabilities; the sums run on probabilities rescaled every column (Rabiner's scaling, as
// CTC implementations do), which keeps them in range without a log and an exp per term: the line's whole decoding
// then costs well under a millisecond.

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

/** Each line's scores as probabilities, kept while its scores are: a reading's search, posteriors and length sum
 * all start from them. */
const PROBABILITIES = new WeakMap<LineScores, Float64Array>();

/** The scores as probabilities, once per line. */
function probabilitiesOf(scores: LineScores): Float64Array {
  let p = PROBABILITIES.get(scores);
  if (p) return p;
  p = new Float64Array(scores.frames * CLASSES);
  for (let i = 0; i < p.length; i++) p[i] = Math.exp(scores.data[i]);
  PROBABILITIES.set(scores, p);
  return p;
}

/** Divides `v` by its sum, so that sums over many columns stay in range; returns the log of that sum (−Infinity when
 * every entry is 0). */
function rescale(v: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  if (sum === 0) return NEG;
  for (let i = 0; i < v.length; i++) v[i] /= sum;
  return Math.log(sum);
}

/** CTC's forward sum over `p` (probabilities, frames × CLASSES): log P(labels). */
function forward(p: Float64Array, frames: number, labels: readonly number[]): number {
  const S = 2 * labels.length + 1;
  if (frames === 0) return labels.length === 0 ? 0 : NEG;
  if (labels.length > frames) return NEG;
  const symbol = new Int32Array(S);
  for (let s = 0; s < S; s++) symbol[s] = s % 2 === 0 ? BLANK : labels[(s - 1) / 2];
  let alpha = new Float64Array(S);
  let next = new Float64Array(S);
  alpha[0] = p[BLANK];
  if (S > 1) alpha[1] = p[symbol[1]];
  let logScale = 0;
  for (let t = 0; ; t++) {
    logScale += rescale(alpha);
    if (logScale === NEG) return NEG;
    if (t === frames - 1) break;
    const row = (t + 1) * CLASSES;
    // Only states from which the rest of the labels still fit in the frames left can end the sum.
    const lo = Math.max(0, S - 2 * (frames - t - 1) - 1);
    next.fill(0, 0, lo);
    for (let s = lo; s < S; s++) {
      let a = alpha[s];
      if (s > 0) a += alpha[s - 1];
      if (s > 1 && s % 2 === 1 && symbol[s] !== symbol[s - 2]) a += alpha[s - 2];
      next[s] = a * p[row + symbol[s]];
    }
    [alpha, next] = [next, alpha];
  }
  const end = S > 1 ? alpha[S - 1] + alpha[S - 2] : alpha[0];
  return end > 0 ? logScale + Math.log(end) : NEG;
}

/** log P(labels | line): CTC's forward sum over the alignments of labels with blanks between and around them. */
export function logProbability(scores: LineScores, labels: readonly number[]): number {
  return forward(probabilitiesOf(scores), scores.frames, labels);
}

/** A prefix of digits, as a node of the tree of every prefix one search kept: prefixes that are equal are one node, so
 * a beam's extension finds the beam that already holds it without a string or a hash. A node holds its beam's sums as
 * of the last column kept. */
interface Prefix {
  parent?: Prefix;
  /** Its last digit (−1 for the empty prefix): the last label of every alignment it sums. */
  digit: number;
  length: number;
  /** The prefixes one digit longer, by their last digit, as far as kept. */
  longer?: Array<Prefix | undefined>;
  /** The column that last reached it, and its candidate there. */
  column: number;
  slot: number;
  /** P(prefix, the last column blank) and P(prefix, the last column its last digit), both × the column's scale. */
  blank: number;
  label: number;
}

/** A prefix one column reaches, with its sums there: a node already made, or a new one (`parent` + `digit`), made only if
 * it is kept. Most of a column's extensions are not, so they cost no node and no garbage. */
interface Candidate {
  node: Prefix | undefined;
  parent: Prefix | undefined;
  digit: number;
  length: number;
  blank: number;
  label: number;
  /** blank + label, when the beams are ranked. */
  score: number;
}

const prefixNode = (parent: Prefix | undefined, digit: number, length: number): Prefix => ({
  parent,
  digit,
  length,
  longer: undefined,
  column: -1,
  slot: -1,
  blank: 0,
  label: 0,
});

/** The candidates of the column being summed, reused from column to column and search to search (a search runs
 * synchronously from start to end). */
const CANDIDATES: Candidate[] = [];

/** Candidate `slot`, reset to `node`, or to a new prefix `parent` + `digit` when there is no node. */
function candidate(slot: number, node: Prefix | undefined, parent: Prefix | undefined, digit: number, length: number): Candidate {
  let c = CANDIDATES[slot];
  if (!c) CANDIDATES.push((c = { node, parent, digit, length, blank: 0, label: 0, score: 0 }));
  c.node = node;
  c.parent = parent;
  c.digit = digit;
  c.length = length;
  c.blank = 0;
  c.label = 0;
  c.score = 0;
  return c;
}

/** A class below this probability in a column is not tried as the next digit there (the result's P stays exact). */
const NEGLIGIBLE = 1e-8;

/**
 * CTC prefix beam search (Hannun et al. 2014, without a language model): the `beam` most likely prefixes after each
 * column, each with its probability summed over all its alignments seen so far. With `length`, only prefixes that
 * can still end with exactly that many digits are kept, and the beam is kept per prefix length, so strings of that
 * length always survive to the end. Returns the final strings, most likely first, each with its exact log P (with
 * `first`, only the most likely).
 */
export function beamSearch(scores: LineScores, beam: number, opts: { length?: number; first?: boolean } = {}): Decoded[] {
  const { length } = opts;
  const p = probabilitiesOf(scores);
  const root = prefixNode(undefined, -1, 0);
  root.blank = 1;
  let beams: Prefix[] = [root];
  for (let t = 0; t < scores.frames; t++) {
    const row = t * CLASSES;
    const left = scores.frames - t - 1;
    // This column's candidates, in the order they were first reached (which the ranking keeps among equals). A prefix
    // is reached by its own beam staying, or by its parent's beam extending it: a node not made yet is no beam, so only
    // its parent reaches it, once.
    let count = 0;
    const reach = (node: Prefix): Candidate => {
      if (node.column !== t) {
        node.column = t;
        node.slot = count;
        return candidate(count++, node, undefined, node.digit, node.length);
      }
      return CANDIDATES[node.slot];
    };
    for (const b of beams) {
      const total = b.blank + b.label;
      const last = b.digit;
      const stay = reach(b);
      stay.blank += total * p[row + BLANK];
      if (last >= 0) stay.label += b.label * p[row + last]; // a repeat merges
      if (length !== undefined && b.length >= length) continue;
      for (let c = 0; c < BLANK; c++) {
        const x = p[row + c];
        if (x < NEGLIGIBLE) continue;
        // After the same digit, a new one needs a blank between (else it merges): only the blank-ending part extends.
        const from = c === last ? b.blank : total;
        if (!(from > 0)) continue;
        const made = b.longer?.[c];
        (made ? reach(made) : candidate(count++, undefined, b, c, b.length + 1)).label += from * x;
      }
    }
    const kept =
      length === undefined
        ? best(CANDIDATES, count, beam)
        : prune(
            CANDIDATES.slice(0, count).filter((c) => c.length + left >= length),
            beam,
          );
    let top = 0;
    for (const c of kept) top = Math.max(top, c.blank + c.label);
    if (top === 0) return [];
    beams = kept.map((c) => {
      const node = c.node ?? longer(c.parent!, c.digit);
      node.blank = c.blank / top;
      node.label = c.label / top;
      return node;
    });
  }
  if (length !== undefined) beams = beams.filter((b) => b.length === length);
  // Every alignment collapses to one string, so the strings' P add up to the product of the columns' sums: one string
  // with more than half of it (with room for rounding) is the most likely of all, and the rest need no forward sum.
  const half = opts.first ? logTotal(p, scores.frames) - Math.LN2 + 1e-6 : Infinity;
  const decoded: Decoded[] = [];
  for (const b of beams) {
    const labels = labelsOf(b);
    decoded.push({ labels, logP: forward(p, scores.frames, labels) });
    if (decoded[decoded.length - 1].logP > half) break;
  }
  decoded.sort((a, b) => b.logP - a.logP);
  return opts.first ? decoded.slice(0, 1) : decoded;
}

/** log of Σ over every alignment of its P: the product over columns of each column's summed probabilities. */
function logTotal(p: Float64Array, frames: number): number {
  let log = 0;
  for (let t = 0; t < frames; t++) {
    let sum = 0;
    for (let c = 0; c < CLASSES; c++) sum += p[t * CLASSES + c];
    log += Math.log(sum);
  }
  return log;
}

/** `prefix` followed by `digit`: the same node every time it is asked for. */
function longer(prefix: Prefix, digit: number): Prefix {
  const all = (prefix.longer ??= new Array<Prefix | undefined>(BLANK));
  return (all[digit] ??= prefixNode(prefix, digit, prefix.length + 1));
}

/** The digits of `prefix`. */
function labelsOf(prefix: Prefix): number[] {
  const labels = new Array<number>(prefix.length);
  for (let node = prefix; node.parent; node = node.parent) labels[node.length - 1] = node.digit;
  return labels;
}

/** The `beam` most likely candidates of each length; equals keep their order. */
function prune(candidates: Candidate[], beam: number): Candidate[] {
  const byLength = new Map<number, Candidate[]>();
  for (const c of candidates) {
    const same = byLength.get(c.length);
    if (same) same.push(c);
    else byLength.set(c.length, [c]);
  }
  return [...byLength.values()].flatMap((cs) => best(cs, cs.length, beam));
}

/** Of the first `count` candidates, what a stable sort by score, best first, then the first `beam` would give, by
 * insertion into the few kept. */
function best(cs: Candidate[], count: number, beam: number): Candidate[] {
  if (count <= beam) return cs.slice(0, count);
  const kept: Candidate[] = [];
  for (let k = 0; k < count; k++) {
    const c = cs[k];
    c.score = c.blank + c.label;
    if (kept.length === beam && !(c.score > kept[beam - 1].score)) continue;
    // Inserted after every one at least as good (a stable order), the last pushed out once there are `beam`.
    let i = kept.length < beam ? kept.length : beam - 1;
    if (kept.length < beam) kept.push(c);
    while (i > 0 && kept[i - 1].score < c.score) {
      kept[i] = kept[i - 1];
      i--;
    }
    kept[i] = c;
  }
  return kept;
}

/**
 * log P(the line holds exactly `length` digits): the sum over every alignment whose collapse has that length, by a
 * forward pass over (digits so far, last class). Dividing a string's P by it gives its posterior given the length.
 */
export function logProbabilityOfLength(scores: LineScores, length: number): number {
  if (scores.frames === 0) return length === 0 ? 0 : NEG;
  const p = probabilitiesOf(scores);
  // state[k * CLASSES + c]: k digits emitted so far, the last column's class c.
  const width = (length + 1) * CLASSES;
  let state = new Float64Array(width);
  let next = new Float64Array(width);
  state[BLANK] = p[BLANK];
  if (length > 0) for (let c = 0; c < BLANK; c++) state[CLASSES + c] = p[c];
  let logScale = 0;
  for (let t = 0; ; t++) {
    logScale += rescale(state);
    if (logScale === NEG) return NEG;
    if (t === scores.frames - 1) break;
    const row = (t + 1) * CLASSES;
    next.fill(0);
    for (let k = 0; k <= length; k++) {
      const base = k * CLASSES;
      let all = 0;
      for (let c = 0; c < CLASSES; c++) all += state[base + c];
      if (all === 0) continue;
      next[base + BLANK] += all * p[row + BLANK];
      for (let c = 0; c < BLANK; c++) {
        // The same digit again merges (k stays); after any other class it is a new digit.
        next[base + c] += state[base + c] * p[row + c];
        if (k < length) next[base + CLASSES + c] += Math.max(0, all - state[base + c]) * p[row + c];
      }
    }
    [state, next] = [next, state];
  }
  let end = 0;
  for (let c = 0; c < CLASSES; c++) end += state[length * CLASSES + c];
  return end > 0 ? logScale + Math.log(end) : NEG;
}

/**
 * The most likely alignment of `labels` (Viterbi over CTC's blank-interleaved states): for each label, the first and
 * last column it holds. Undefined when the labels do not fit in the frames.
 */
export function align(scores: LineScores, labels: readonly number[]): Array<{ first: number; last: number; peak: number }> | undefined {
  const S = 2 * labels.length + 1;
  const T = scores.frames;
  if (T === 0) return labels.length === 0 ? [] : undefined;
  const symbol = new Int32Array(S);
  for (let s = 0; s < S; s++) symbol[s] = s % 2 === 0 ? BLANK : labels[(s - 1) / 2];
  const from = new Int32Array(T * S).fill(-1);
  // Two columns of scores, swapped each column rather than one made per column.
  let score = new Float64Array(S).fill(NEG);
  let next = new Float64Array(S);
  score[0] = scores.data[BLANK];
  if (S > 1) score[1] = scores.data[symbol[1]];
  for (let t = 1; t < T; t++) {
    next.fill(NEG);
    for (let s = 0; s < S; s++) {
      let best = score[s];
      let arg = s;
      if (s > 0 && score[s - 1] > best) {
        best = score[s - 1];
        arg = s - 1;
      }
      if (s > 1 && s % 2 === 1 && symbol[s] !== symbol[s - 2] && score[s - 2] > best) {
        best = score[s - 2];
        arg = s - 2;
      }
      if (best === NEG) continue;
      next[s] = best + scores.data[t * CLASSES + symbol[s]];
      from[t * S + s] = arg;
    }
    [score, next] = [next, score];
  }
  let s = S > 1 && score[S - 2] > score[S - 1] ? S - 2 : S - 1;
  if (score[s] === NEG) return undefined;
  const spans = labels.map(() => ({ first: T, last: -1, peak: -1 }));
  for (let t = T - 1; t >= 0; t--) {
    if (s % 2 === 1) {
      const span = spans[(s - 1) / 2];
      span.first = t;
      if (span.last < 0) span.last = t;
      if (span.peak < 0 || scores.data[t * CLASSES + symbol[s]] >= scores.data[span.peak * CLASSES + symbol[s]]) span.peak = t;
    }
    if (t > 0) s = from[t * S + s];
  }
  return spans;
}

/**
 * Each digit's ten probabilities given the rest of the string: P(string with digit i replaced by d | line),
 * normalised over d. The chosen digit's share is its confidence; the others say what else it could be.
 *
 * One forward-backward pass over the string's lattice gives them all: a string with digit i replaced by d is the same
 * prefix (labels before i: the forward sums, α), then a run of d over columns [a, b], then the same suffix (labels
 * after i: the backward sums, β). Going straight from the previous digit to d, or from d to the next one, needs a
 * blank between when they are the same digit, exactly as the forward sum over the changed string would have it.
 * β is rescaled by α's column sums (Rabiner's scaling), so that every term of every sum is P(…) ÷ the same constant.
 * Labels the scores give no chance to (P = 0) get each digit's own class at 1.
 */
export function digitPosteriors(scores: LineScores, labels: readonly number[]): number[][] {
  const L = labels.length;
  const T = scores.frames;
  const oneHot = () => labels.map((label) => Array.from({ length: BLANK }, (_, d) => (d === label ? 1 : 0)));
  if (L === 0 || L > T) return oneHot();
  const p = probabilitiesOf(scores);
  const { alpha, beta, scale } = forwardBackward(p, T, labels);
  if (!alpha) return oneHot();
  const S = 2 * L + 1;
  return labels.map((label, i) => {
    const state = 2 * i + 1;
    const sums = new Array<number>(BLANK).fill(0);
    for (let d = 0; d < BLANK; d++) {
      const afterPrevious = i > 0 && labels[i - 1] !== d; // straight from the previous digit's state
      const beforeNext = i < L - 1 && labels[i + 1] !== d; // straight into the next digit's state
      let run = 0; // P(prefix, then d on every column from some a up to t) ÷ α's scale up to t
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const before = t === 0 ? (i === 0 ? 1 : 0) : alpha[(t - 1) * S + state - 1] + (afterPrevious ? alpha[(t - 1) * S + state - 2] : 0);
        run = ((run + before) * p[t * CLASSES + d]) / scale[t];
        if (run === 0) continue;
        const after =
          t === T - 1 ? (i === L - 1 ? 1 : 0) : beta[(t + 1) * S + state + 1] + (beforeNext ? beta[(t + 1) * S + state + 2] : 0);
        sum += run * after;
      }
      sums[d] = sum;
    }
    const total = sums.reduce((a, b) => a + b, 0);
    if (!(total > 0) || !Number.isFinite(total)) return oneHot()[i];
    return sums.map((x) => x / total);
  });
}

/** CTC's forward sums α (rescaled to sum 1 in each column, over the states from which the labels can still end) and
 * backward sums β (each column divided by the same sums: `scale`) of `labels` over every column; no α when the labels
 * cannot be read from the scores at all. */
function forwardBackward(p: Float64Array, T: number, labels: readonly number[]) {
  const S = 2 * labels.length + 1;
  const symbol = new Int32Array(S);
  for (let s = 0; s < S; s++) symbol[s] = s % 2 === 0 ? BLANK : labels[(s - 1) / 2];
  const skips = (s: number) => s > 1 && s % 2 === 1 && symbol[s] !== symbol[s - 2];
  const alpha = new Float64Array(T * S);
  const scale = new Float64Array(T);
  alpha[0] = p[BLANK];
  alpha[1] = p[symbol[1]];
  for (let t = 0; t < T; t++) {
    const row = t * S;
    if (t > 0) {
      const lo = Math.max(0, S - 2 * (T - t) - 1);
      for (let s = lo; s < S; s++) {
        let a = alpha[row - S + s];
        if (s > 0) a += alpha[row - S + s - 1];
        if (skips(s)) a += alpha[row - S + s - 2];
        alpha[row + s] = a * p[t * CLASSES + symbol[s]];
      }
    }
    let sum = 0;
    for (let s = 0; s < S; s++) sum += alpha[row + s];
    if (sum === 0) return { alpha: undefined, beta: alpha, scale };
    for (let s = 0; s < S; s++) alpha[row + s] /= sum;
    scale[t] = sum;
  }
  const beta = new Float64Array(T * S);
  const last = (T - 1) * S;
  beta[last + S - 1] = p[(T - 1) * CLASSES + BLANK] / scale[T - 1];
  beta[last + S - 2] = p[(T - 1) * CLASSES + symbol[S - 2]] / scale[T - 1];
  for (let t = T - 2; t >= 0; t--) {
    const row = t * S;
    for (let s = 0; s < S; s++) {
      let b = beta[row + S + s];
      if (s + 1 < S) b += beta[row + S + s + 1];
      if (s + 2 < S && skips(s + 2)) b += beta[row + S + s + 2];
      beta[row + s] = (b * p[t * CLASSES + symbol[s]]) / scale[t];
    }
  }
  return { alpha, beta, scale };
}
