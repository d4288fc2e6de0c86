// Reading a number: the ink of a picture → units (units.ts) → candidate digits between cuts, each normalised exactly
// as /predict normalises one digit → (the caller classifies them all in one batch) → the best path (best-path.ts).
import { right, type Box } from '../imaging/box.js';
import { PreprocessError } from '../imaging/errors.js';
import { normaliseDigit, type Grey } from '../imaging/mnist-normalise.js';
import { resample } from '../imaging/resample.js';
import { bestPaths, chooseCounts, type Edge } from './best-path.js';
import { connectedComponents } from '../imaging/components.js';
import { inkPage, type InkPage } from '../imaging/ink-page.js';
import { columnCut, cropBetween, gapPath, measureBetween } from './gap-cuts.js';
import { candidateCuts, groupPieces, mergeToCount, type Unit } from './units.js';
import { unlimited, type WorkBudget } from './work-budget.js';
import { UnitInk } from '../imaging/unit-ink.js';

export const MAX_DIGITS = 32;
/** Mapped ink level (0..255) from which a pixel belongs to a stroke when finding components. */
const STROKE = 80;

export interface Candidate {
  /** The 28×28 input, bytes 0..255, as /predict would make it from this piece alone. */
  pixels: Uint8Array;
  /** Where the piece's ink is, in the picture as decoded. */
  box: Box;
}

export interface Segmentation {
  candidates: Candidate[];
  /** Given the probabilities of every candidate so far, more candidates, appended to `candidates`: the pieces of
   * units whose whole reading was not sure enough to stand whatever its pieces read, then, once those are read, cuts
   * that follow the gaps between strokes for the units whose reading is unsure. None for most pictures. Call it with
   * each batch's probabilities until it returns none, then pick. */
  refine(probabilities: ReadonlyArray<ArrayLike<number>>): Candidate[];
  /** Given each candidate's ten probabilities, the indices of the candidates read as the number's digits, in order. */
  pick(probabilities: ReadonlyArray<ArrayLike<number>>): number[];
  /** Pixels of the picture as decoded per pixel of the candidates' boxes: more than 1 when a tall line was shrunk. */
  scale: number;
}

/** An edge's candidate is -1 while its piece is measured but not yet cut out (a narrow unit's, see `pending`). */
type PlanEdge = Edge & { candidate: number; penalty: number; piece?: Box };

interface UnitPlan {
  nodes: number;
  edges: PlanEdge[];
  /** Per count of digits k (index), the geometric penalty for reading that many in this unit. */
  prior: number[];
  /** No wider than one digit: read as two digits only when one of them is a 1 (see NARROW_CUTS). */
  narrow: boolean;
  /** Such a unit parted at any cut, not only clean ones (addGapCuts): then both pieces must read surely. */
  anyCut?: boolean;
  /** Such a unit's pieces wait until the first batch has read it whole: a whole reading scoring above -SPLIT_PENALTY
   * beats any two pieces (each scores at most 0), so then they are never cut out. */
  pending?: boolean;
  /** For refine: the unit, its ink, the columns its nodes stand at, and every cut column found before filtering. */
  unit: Unit;
  ink: UnitInk;
  xs: number[];
  origins: number[];
}


export function segmentNumber(grey: Grey, opts: { length?: number; maxDigits?: number; shrunk?: boolean; work?: WorkBudget } = {}): Segmentation {
  const { length, maxDigits = MAX_DIGITS, work = unlimited() } = opts;
  // Finding the ink and its components: a few passes over every pixel.
  work.spend(4 * grey.width * grey.height);
  const page = inkPage(grey);
  const labelled = connectedComponents(page.data, page.width, page.height, STROKE);
  const { components } = labelled;
  let line = groupPieces(components, maxDigits);
  if (line.units.length === 0) throw new PreprocessError('no_digit_found', 'no digit-sized writing found in the image');
  if (line.height > MAX_LINE_HEIGHT && !opts.shrunk) {
    const shrunk = shrinkGrey(grey, Math.ceil(line.height / MAX_LINE_HEIGHT));
    return { ...segmentNumber(shrunk.grey, { ...opts, shrunk: true }), scale: shrunk.scale };
  }
  if (length !== undefined && line.units.length > length) line = mergeToCount(line, length);
  const H = line.height;
  const forced = length !== undefined && length > line.units.length;
  // Wide units hold several digits each: the count is bounded before any candidate is made.
  const least = line.units.reduce((n, u) => n + Math.max(1, Math.round(u.width / H / 0.75)), 0);
  if (least > maxDigits) throw new PreprocessError('too_many_digits', `about ${least} digits found; at most ${maxDigits} digits are read`);

  const candidates: Candidate[] = [];
  const plans: UnitPlan[] = line.units.map((unit, u) => {
    work.spend(unit.width * unit.height);
    const ink = new UnitInk(page, labelled, (c) => line.unitOf[c] === u, unit);
    const W = unit.width;
    const ratio = W / H;
    const narrow = ratio <= ONE_DIGIT && !forced;
    const most = narrow ? 2 : Math.min(maxDigits, Math.max(1, Math.floor(ratio / 0.15)));
    const prior = [-Infinity];
    for (let k = 1; k <= most; k++) prior.push(narrow ? (k === 1 ? 0 : SPLIT_PENALTY) : countPenalty(ratio, k));
    let kMax = most;
    while (kMax > 1 && prior[kMax] > MAX_COUNT_PENALTY && !(forced && kMax <= length! - line.units.length + 1)) kMax--;
    prior.length = kMax + 1;
    // A unit as narrow as one digit may still hold two (a 1 stuck to its neighbour): it is cut only where a column
    // holds little stroke, and the classifier then says whether the pieces are two digits or one.
    let cuts = candidateCuts(ink, unit, 0.15 * H, narrow ? NARROW_CUTS : Math.min(24, 2 * kMax + 2));
    const origins = cuts.map((c) => c.x);
    if (narrow) cuts = cuts.filter((c) => c.ink <= CLEAN_CUT * H);
    if (narrow && cuts.length === 0) {
      const piece = measurePiece(ink, unit, unit.x, right(unit));
      const edges = piece ? [{ from: 0, to: 1, score: 0, candidate: candidates.push(cutPiece(page, ink, piece)) - 1, penalty: 0 }] : [];
      return { nodes: 2, edges, prior: [-Infinity, 0, ...(origins.length > 0 ? [SPLIT_PENALTY] : [])], narrow, unit, ink, xs: [unit.x, right(unit)], origins };
    }
    const xs = [unit.x, ...cuts.map((c) => c.x), right(unit)];
    const widest = 1.3 * H;
    const edges: UnitPlan['edges'] = [];
    const last = xs.length - 1;
    // The whole unit as one digit is a candidate only where its width allows it, or ?length may need it.
    const whole = prior[1] <= MAX_COUNT_PENALTY || length !== undefined;
    for (let i = 0; i < xs.length; i++) {
      for (let j = i + 1; j < xs.length; j++) {
        if (xs[j] - xs[i] > widest && !(i === 0 && j === last && whole)) {
          if (i === 0 && whole) j = last - 1; // skip to the whole unit
          else break;
          continue;
        }
        // Two digits side by side in so narrow a unit are both as tall as the line; a piece cut across one digit is not.
        const split = narrow && !(i === 0 && j === last);
        work.spend(unit.height * (xs[j] - xs[i]));
        const piece = measurePiece(ink, unit, xs[i], xs[j], split ? NARROW_TALL * H : 0);
        if (!piece) continue;
        const penalty = shapePenalty(piece.width, piece.height, H);
        edges.push(split ? { from: i, to: j, score: 0, candidate: -1, penalty, piece } : { from: i, to: j, score: 0, candidate: candidates.push(cutPiece(page, ink, piece)) - 1, penalty });
      }
    }
    const plan: UnitPlan = { nodes: xs.length, edges, prior, narrow, unit, ink, xs, origins, pending: narrow };
    // Without a whole reading to weigh them against, the pieces go in the first batch.
    if (narrow && !edges.some((e) => e.from === 0 && e.to === last)) cutPending(plan, page, candidates);
    return plan;
  });
  if (candidates.length === 0) throw new PreprocessError('no_digit_found', 'no digit-sized writing found in the image');
  const choose = (probabilities: ReadonlyArray<ArrayLike<number>>) => {
    const paths = plans.map((plan) => {
      for (const e of plan.edges) e.score = e.candidate < 0 ? -Infinity : Math.log(Math.max(1e-12, Math.max(...Array.from(probabilities[e.candidate])))) - e.penalty;
      if (plan.narrow) keepPairsWithAOne(plan, probabilities);
      return bestPaths(plan.nodes, plan.edges, plan.prior.length - 1);
    });
    // A path's score, less the count's geometric penalty and DIGIT_PENALTY per digit after the first: the width rules
    // out counts, the classifier chooses.
    const scores = paths.map((byK, u) => byK.map((p, k) => (p && k < plans[u].prior.length ? p.score - plans[u].prior[k] - DIGIT_PENALTY * (k - 1) : -Infinity)));
    const counts = chooseCounts(scores, length) ?? chooseCounts(scores)!;
    return counts.map((k, u) => (paths[u][k]?.edges ?? []).map((e) => plans[u].edges[e].candidate));
  };
  let settled: { probabilities: ReadonlyArray<ArrayLike<number>>; picked: number[] } | undefined;
  let looked = false;
  return {
    candidates,
    refine(probabilities) {
      const first = candidates.length;
      const chosen = choose(probabilities);
      // First the narrow units' pieces, where the whole reading may lose to them (choose has scored the whole edges).
      for (const plan of plans.filter((p) => p.pending)) {
        const whole = plan.edges.find((e) => e.from === 0 && e.to === plan.nodes - 1)!;
        if (whole.score > -SPLIT_PENALTY + 1e-6) plan.pending = false;
        else cutPending(plan, page, candidates);
      }
      if (candidates.length > first) return candidates.slice(first);
      if (!looked) {
        looked = true;
        const budget = { pixels: GAP_PIXELS };
        chosen.forEach((picked, u) => {
          const sure = Math.min(...picked.map((c) => Math.max(...Array.from(probabilities[c]))));
          if (sure < (plans[u].narrow ? NOT_ONE_DIGIT : UNSURE)) addGapCuts(plans[u], page, H, candidates, first + MAX_MORE, budget);
        });
      }
      // Most pictures get nothing more: then pick, called with the same probabilities, need not choose again.
      if (candidates.length === first) settled = { probabilities, picked: chosen.flat() };
      return candidates.slice(first);
    },
    pick: (probabilities) => (settled?.probabilities === probabilities ? settled.picked : choose(probabilities).flat()),
    scale: 1,
  };
}

/** A line taller than this is read from a copy shrunk to fit it. Every cut and candidate costs in proportion to the
 * line's height squared, and the classifier sees 20 pixels of it: a picture of noise read as one line 1,000 px tall
 * held the event loop for 1.3 s. The draw page's wide canvas (240 px) stays as drawn. */
const MAX_LINE_HEIGHT = 256;

/** The picture shrunk about f times with /predict's own area filter (resample.ts), and the factor it really took. */
function shrinkGrey(grey: Grey, f: number): { grey: Grey; scale: number } {
  const width = Math.max(1, Math.round(grey.width / f));
  const height = Math.max(1, Math.round(grey.height / f));
  const data = resample(grey.data, grey.width, grey.height, width, height);
  let [lo, hi] = [255, 0];
  for (const v of data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return { grey: { data, width, height, alphaIsInk: grey.alphaIsInk, lo, hi }, scale: grey.width / width };
}

/** A unit whose reading has a digit less sure than this gets a second look, with cuts that follow the gaps between its
 * strokes (gap-cuts.ts); the rest cost nothing more. */
const UNSURE = 0.9;
/** How far (÷ the line's height) such a cut may stray either side of the column it was seeded at. */
const GAP_REACH = 0.25;
/** Its seeds: the unit's cut columns, and columns this far apart (÷ the line's height) where they leave a wider gap (a
 * 1 leaning into a 9 has no column of least ink between them). */
const SEED_STEP = 0.2;
/** A unit no wider than one digit gets it only when it reads less surely than this, as no digit at all (the model reads
 * non-digits near uniform); then any of its cut columns may part it, not only the clean ones. */
const NOT_ONE_DIGIT = 0.5;
/** At most this many candidates more per picture, however many wide units read unsurely (a 5-digit touching number
 * takes up to ~300). */
const MAX_MORE = 512;
/** …and at most this many unit pixels visited finding and measuring them. Their cost grows with the square of the
 * line's height: 512 candidates at a height of 150 px stay within it, while a picture of noise read as one line
 * 1,000 px tall took 1.3 s of the event loop without it. */
const GAP_PIXELS = 24_000_000;

/** Adds to a unit's plan, for each of its cut columns, the path near it that crosses fewest strokes, and the candidates
 * between those paths and the unit's other cuts, until there are `most` candidates in all. Nodes are renumbered: the
 * i-th cut column is node 2i, its path 2i + 1. */
function addGapCuts(plan: UnitPlan, page: InkPage, H: number, candidates: Candidate[], most: number, budget: { pixels: number }) {
  const { unit, ink, narrow } = plan;
  const px = ink.pixels;
  const seeds = [...plan.origins];
  for (let x = unit.x + SEED_STEP * H; x < right(unit) - 0.1 * H; x += SEED_STEP * H) {
    if (seeds.every((o) => Math.abs(o - x) >= SEED_STEP * H)) seeds.push(Math.round(x));
  }
  const ranks = [unit.x, ...[...new Set(seeds)].sort((p, q) => p - q), right(unit)];
  const last = ranks.length - 1;
  const cuts: Array<Int32Array | undefined> = new Array(2 * last + 1);
  const columns = narrow ? [...plan.xs, ...plan.origins] : plan.xs;
  for (const x of columns) cuts[2 * ranks.indexOf(x)] = columnCut(x, px.height);
  let previous: Int32Array | undefined;
  const reach = Math.max(2, Math.round(GAP_REACH * H));
  for (let r = 1; r < last && (budget.pixels -= px.height * (2 * reach + 1)) > 0; r++) {
    const path = gapPath(px, ranks[r], reach, STROKE);
    // Seeds near each other often find the same path.
    if (!path || path.every((x, y) => x === previous?.[y])) continue;
    cuts[2 * r + 1] = previous = path;
  }
  const old = new Set(plan.xs);
  const edges = plan.edges.map((e) => ({ ...e, from: 2 * ranks.indexOf(plan.xs[e.from]), to: 2 * ranks.indexOf(plan.xs[e.to]) }));
  const widest = 1.3 * H;
  const more = () => candidates.length < most && budget.pixels > 0;
  for (let a = 0; a < cuts.length && more(); a++) {
    for (let b = (a >> 1) * 2 + 2; b < cuts.length && more(); b++) {
      const [left, right] = [cuts[a], cuts[b]];
      if (!left || !right || ranks[b >> 1] - ranks[a >> 1] > widest) continue;
      if (a % 2 === 0 && b % 2 === 0 && old.has(ranks[a >> 1]) && old.has(ranks[b >> 1])) continue;
      budget.pixels -= px.height * (ranks[b >> 1] - ranks[a >> 1] + 2 * reach + 1);
      const { box, strokes } = measureBetween(px, left, right, STROKE);
      if (strokes < Math.max(4, 0.04 * unit.area) || !box) continue;
      const { width: w, height: h } = box;
      if (narrow && h < NARROW_TALL * H) continue;
      const candidate = { pixels: normaliseDigit({ data: cropBetween(px, box, left, right), width: w, height: h }), box: { x: page.x + box.x, y: page.y + box.y, width: w, height: h } };
      edges.push({ from: a, to: b, score: 0, candidate: candidates.push(candidate) - 1, penalty: shapePenalty(w, h, H) });
    }
  }
  plan.nodes = cuts.length;
  plan.edges = edges;
  plan.anyCut = narrow;
}

/** A unit at most this wide (÷ the line's height) is read as one digit unless it has a clean cut. */
const ONE_DIGIT = 1.1;
/** In such a unit, at most this many cuts are tried, each through at most CLEAN_CUT × the line's height of stroke, and
 * both pieces at least NARROW_TALL × the line's height tall. Without these limits the halves of single digits in
 * spaced numbers were read as two (seeded sets other than the tests' and the held-out one). */
const NARROW_CUTS = 2;
const CLEAN_CUT = 0.2;
const NARROW_TALL = 0.85;
/** …and one of the two pieces must read as a 1 at least this surely: a sliver of a 9's tail read as a 1 at 0.57 split a
 * spaced 9 in two. */
const SURE_ONE = 0.9;
/** Each digit after the first read in one unit costs this much log-confidence (a speech recogniser's word insertion
 * penalty): where k and k + 1 touching digits both fit a unit's width, a stroke cut off a digit and read as a 1 (a 9's
 * stem) costs the digit it came from nothing, so without it the longer reading wins ties. Tuned on seeded sets other
 * than the tests' (docs/performance.md). */
const DIGIT_PENALTY = 0.15;
/** Counts whose penalty exceeds this are not considered. */
const MAX_COUNT_PENALTY = 3;
/** Reading a unit as several digits rather than one costs this much log-confidence: the halves of a wide digit are
 * often each a confident digit to the classifier (it has no "not a digit" class). */
const SPLIT_PENALTY = 0.3;

/** How implausible k digits are in a unit `ratio` times as wide as the line is high: 0 inside the range of widths k
 * touching digits were measured to span (MNIST test digits laid out by src/synth/numbers.ts; the ranges overlap,
 * and there the classifier decides), 1 per 0.1 outside it (per 0.25 above it for one wide digit), plus SPLIT_PENALTY
 * for any split. Tuned on seeded sets other than the tests'. */
function countPenalty(ratio: number, k: number): number {
  const lo = k === 1 ? 0 : 0.55 * k - 0.25;
  const hi = k === 1 ? ONE_DIGIT : 0.75 * k + 0.55;
  const outside = Math.max(0, lo - ratio, ratio - hi);
  return (k === 1 ? outside / 0.25 : outside / 0.1 + SPLIT_PENALTY);
}

/** In a unit no wider than one digit, a reading as two digits stands only where one of the two surely reads as a 1: the
 * pieces of a 0 or a 6 cut in two are often each a confident digit too, but a 1 stuck to its neighbour is what such
 * a unit holds when it holds two. Every cut there makes one pair of pieces (left of it, right of it). Where the unit
 * may be parted at any cut, the other piece must read as surely too (a thin 4 cut through its bar read as 3 1). */
function keepPairsWithAOne(plan: UnitPlan, probabilities: ReadonlyArray<ArrayLike<number>>) {
  const last = plan.nodes - 1;
  for (let cut = 1; cut < last; cut++) {
    const pair = plan.edges.filter((e) => (e.from === 0 && e.to === cut) || (e.from === cut && e.to === last));
    const one = pair.some((e) => e.candidate >= 0 && probabilities[e.candidate][1] >= SURE_ONE);
    const both = !plan.anyCut || pair.every((e) => e.candidate >= 0 && Math.max(...Array.from(probabilities[e.candidate])) >= SURE_ONE);
    if (!one || !both) for (const e of pair) e.score = -Infinity;
  }
}

/** Pieces wider than a digit, or much shorter than the line (a sliver cut off a curve), are unlikely digits. */
function shapePenalty(width: number, height: number, lineHeight: number): number {
  const aspect = width / lineHeight;
  const tall = height / lineHeight;
  return (aspect > 1.05 ? 4 * (aspect - 1.05) : 0) + (tall < 0.55 ? 5 * (0.55 - tall) : 0);
}

/** The unit's ink between columns left and right (its strokes, and the faint pixels around them), measured: none where
 * it has too little stroke to be a digit, or is less than `minHeight` tall. */
function measurePiece(ink: UnitInk, unit: Unit, left: number, right: number, minHeight = 0): Box | undefined {
  const { box, strokes } = ink.measure(left, right);
  // Too little stroke to be a digit (a corner clipped by a cut).
  if (strokes < Math.max(4, 0.04 * unit.area) || !box) return undefined;
  return box.height < minHeight ? undefined : box;
}

/** A measured piece cut out and normalised as /predict normalises a digit: a candidate. */
function cutPiece(page: InkPage, ink: UnitInk, box: Box): Candidate {
  const { width, height } = box;
  return { pixels: normaliseDigit({ data: ink.crop(box), width, height }), box: { x: page.x + box.x, y: page.y + box.y, width, height } };
}

/** A narrow unit's waiting pieces cut out, appended to the candidates. */
function cutPending(plan: UnitPlan, page: InkPage, candidates: Candidate[]) {
  for (const e of plan.edges) if (e.piece) [e.candidate, e.piece] = [candidates.push(cutPiece(page, plan.ink, e.piece)) - 1, undefined];
  plan.pending = false;
}
