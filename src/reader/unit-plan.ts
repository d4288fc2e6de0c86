// One writing unit's reading plan: the columns where it may be cut (nodes), the pieces between them that could be a
// digit (edges, each a candidate for the classifier), and what each count of digits costs given the unit's width. The
// best path through every unit's plan, once the candidates are classified, is the number (segmentation.ts).
import { right, type Box } from '../imaging/box.js';
import type { InkPage } from '../imaging/ink-page.js';
import { normaliseDigit } from '../imaging/mnist-normalise.js';
import type { UnitInk } from '../imaging/unit-ink.js';
import type { Edge } from './best-path.js';
import { columnCut, cropBetween, gapPath, measureBetween } from './gap-cuts.js';
import {
  CANDIDATE_WORK,
  CLEAN_CUT,
  COUNT_SLACK,
  GAP_REACH,
  LEAST_SHARE_OF_UNIT,
  LEAST_STROKES,
  MAX_COUNT_PENALTY,
  MAX_CUTS,
  NARROW_CUTS,
  NARROW_TALL,
  NARROWEST_DIGIT,
  ONE_DIGIT,
  ONE_DIGIT_SLACK,
  SEED_MARGIN,
  SEED_STEP,
  SHORT_PIECE,
  SHORT_PIECE_COST,
  SPLIT_PENALTY,
  STROKE,
  SURE_ONE,
  TOUCHING_WIDTHS,
  WIDE_PIECE,
  WIDE_PIECE_COST,
  WIDEST_DIGIT,
} from './tunables.js';
import { candidateCuts, type Unit } from './units.js';
import type { WorkBudget } from './work-budget.js';

export interface Candidate {
  /** The 28×28 input, bytes 0..255, as /predict would make it from this piece alone. */
  pixels: Uint8Array;
  /** Where the piece's ink is, in the picture as decoded. */
  box: Box;
}

/** What every unit's plan is made against. */
export interface LineContext {
  page: InkPage;
  /** The line's height (pixels). */
  height: number;
  /** How many digits ?length asks for, if it does. */
  length?: number;
  maxDigits: number;
  /** How many units the line has. */
  units: number;
  /** Every candidate of the picture so far: plans append theirs. */
  candidates: Candidate[];
  /** The picture's work budget (work-budget.ts): plans count their pieces against it before they measure them. */
  work: WorkBudget;
}

/** An edge's candidate is -1 while its piece is measured but not yet cut out (a narrow unit's, see `pending`). */
type PlanEdge = Edge & { candidate: number; penalty: number; piece?: Box };

export interface UnitPlan {
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
  /** For the second look: the unit, its ink, the columns its nodes stand at, and every cut column found before
   * filtering. */
  unit: Unit;
  ink: UnitInk;
  xs: number[];
  origins: number[];
}

/** The unit's plan; its candidates (but a narrow unit's pieces, which wait) are appended to `line.candidates`. */
export function planUnit(unit: Unit, ink: UnitInk, line: LineContext): UnitPlan {
  const { page, height: H, length, candidates } = line;
  // ?length asks for more digits than there are units: some unit must hold several, whatever its width.
  const forced = length !== undefined && length > line.units;
  const ratio = unit.width / H;
  const narrow = ratio <= ONE_DIGIT && !forced;
  const prior = countPriors(ratio, narrow, forced, line);
  const kMax = prior.length - 1;
  // A unit as narrow as one digit may still hold two (a 1 stuck to its neighbour): it is cut only where a column
  // holds little stroke, and the classifier then says whether the pieces are two digits or one.
  let cuts = candidateCuts(ink, unit, NARROWEST_DIGIT * H, narrow ? NARROW_CUTS : Math.min(MAX_CUTS, 2 * kMax + 2));
  const origins = cuts.map((c) => c.x);
  if (narrow) cuts = cuts.filter((c) => c.ink <= CLEAN_CUT * H);
  if (narrow && cuts.length === 0) {
    line.work.spend(unit.width * unit.height + CANDIDATE_WORK);
    const piece = measurePiece(ink, unit, unit.x, right(unit));
    const edges = piece ? [{ from: 0, to: 1, score: 0, candidate: candidates.push(cutPiece(page, ink, piece)) - 1, penalty: 0 }] : [];
    const twoIfCut = origins.length > 0 ? [SPLIT_PENALTY] : [];
    return { nodes: 2, edges, prior: [-Infinity, 0, ...twoIfCut], narrow, unit, ink, xs: [unit.x, right(unit)], origins };
  }
  const xs = [unit.x, ...cuts.map((c) => c.x), right(unit)];
  const last = xs.length - 1;
  // The whole unit as one digit is a candidate only where its width allows it, or ?length may need it.
  const whole = prior[1] <= MAX_COUNT_PENALTY || length !== undefined;
  const edges: PlanEdge[] = [];
  const pieces = [...spans(xs, WIDEST_DIGIT * H, whole)];
  // Each piece is measured over the unit's height, and cut out and normalised: counted before any is.
  line.work.spend(pieces.length * (unit.height * unit.width + CANDIDATE_WORK));
  for (const [i, j] of pieces) {
    // Two digits side by side in so narrow a unit are both as tall as the line; a piece cut across one digit is not.
    const split = narrow && !(i === 0 && j === last);
    const piece = measurePiece(ink, unit, xs[i], xs[j], split ? NARROW_TALL * H : 0);
    if (!piece) continue;
    const penalty = shapePenalty(piece.width, piece.height, H);
    if (split) edges.push({ from: i, to: j, score: 0, candidate: -1, penalty, piece });
    else edges.push({ from: i, to: j, score: 0, candidate: candidates.push(cutPiece(page, ink, piece)) - 1, penalty });
  }
  const plan: UnitPlan = { nodes: xs.length, edges, prior, narrow, unit, ink, xs, origins, pending: narrow };
  // Without a whole reading to weigh them against, the pieces go in the first batch.
  if (narrow && !edges.some((e) => e.from === 0 && e.to === last)) cutPending(plan, page, candidates);
  return plan;
}

/** The geometric penalty of each count of digits k = 1, 2, … (index k; index 0 is never a reading), for a unit `ratio`
 * times as wide as the line is high: counts beyond MAX_COUNT_PENALTY are dropped, unless ?length needs them. */
function countPriors(ratio: number, narrow: boolean, forced: boolean, line: LineContext): number[] {
  const most = narrow ? 2 : Math.min(line.maxDigits, Math.max(1, Math.floor(ratio / NARROWEST_DIGIT)));
  const prior = [-Infinity];
  for (let k = 1; k <= most; k++) prior.push(narrow ? (k === 1 ? 0 : SPLIT_PENALTY) : countPenalty(ratio, k));
  // With ?length forcing splits, this unit may have to hold every digit the other units cannot.
  const mayNeed = (k: number) => forced && k <= line.length! - line.units + 1;
  let kMax = most;
  while (kMax > 1 && prior[kMax] > MAX_COUNT_PENALTY && !mayNeed(kMax)) kMax--;
  prior.length = kMax + 1;
  return prior;
}

/** The pieces [xs[i], xs[j]] worth a candidate, in order: those no wider than `widest`, and the whole unit when
 * `whole` (however wide). */
function* spans(xs: number[], widest: number, whole: boolean): Generator<[number, number]> {
  const last = xs.length - 1;
  for (let i = 0; i < last; i++) {
    let j = i + 1;
    for (; j <= last && xs[j] - xs[i] <= widest; j++) yield [i, j];
    if (i === 0 && whole && j <= last) yield [0, last];
  }
}

/** How implausible k digits are in a unit `ratio` times as wide as the line is high: 0 inside the range of widths k
 * touching digits were measured to span (TOUCHING_WIDTHS), 1 per COUNT_SLACK outside it (per ONE_DIGIT_SLACK above it
 * for one wide digit), plus SPLIT_PENALTY for any split. */
function countPenalty(ratio: number, k: number): number {
  const { low, high } = TOUCHING_WIDTHS;
  const lo = k === 1 ? 0 : low.perDigit * k + low.offset;
  const hi = k === 1 ? ONE_DIGIT : high.perDigit * k + high.offset;
  const outside = Math.max(0, lo - ratio, ratio - hi);
  return k === 1 ? outside / ONE_DIGIT_SLACK : outside / COUNT_SLACK + SPLIT_PENALTY;
}

/** Pieces wider than a digit, or much shorter than the line (a sliver cut off a curve), are unlikely digits. */
function shapePenalty(width: number, height: number, lineHeight: number): number {
  const aspect = width / lineHeight;
  const tall = height / lineHeight;
  const wide = aspect > WIDE_PIECE ? WIDE_PIECE_COST * (aspect - WIDE_PIECE) : 0;
  return wide + (tall < SHORT_PIECE ? SHORT_PIECE_COST * (SHORT_PIECE - tall) : 0);
}

/** Too little stroke to be a digit (a corner clipped by a cut). */
const tooLittleStroke = (strokes: number, unit: Unit) => strokes < Math.max(LEAST_STROKES, LEAST_SHARE_OF_UNIT * unit.area);

/** The box of the unit's ink between columns left and right (its strokes, and the faint pixels around them): none
 * where it has too little stroke to be a digit, or is less than `minHeight` tall. */
function measurePiece(ink: UnitInk, unit: Unit, left: number, right: number, minHeight = 0): Box | undefined {
  const { box, strokes } = ink.measure(left, right);
  if (tooLittleStroke(strokes, unit) || !box) return undefined;
  return box.height < minHeight ? undefined : box;
}

/** A measured piece cut out and normalised as /predict normalises a digit: a candidate. */
function cutPiece(page: InkPage, ink: UnitInk, box: Box): Candidate {
  const { width, height } = box;
  return { pixels: normaliseDigit({ data: ink.crop(box), width, height }), box: { x: page.x + box.x, y: page.y + box.y, width, height } };
}

/** A narrow unit's waiting pieces cut out, appended to the candidates. */
export function cutPending(plan: UnitPlan, page: InkPage, candidates: Candidate[]) {
  for (const e of plan.edges) if (e.piece) [e.candidate, e.piece] = [candidates.push(cutPiece(page, plan.ink, e.piece)) - 1, undefined];
  plan.pending = false;
}

/** In a unit no wider than one digit, a reading as two digits stands only where one of the two surely reads as a 1: the
 * pieces of a 0 or a 6 cut in two are often each a confident digit too, but a 1 stuck to its neighbour is what such
 * a unit holds when it holds two. Every cut there makes one pair of pieces (left of it, right of it). Where the unit
 * may be parted at any cut, the other piece must read as surely too (a thin 4 cut through its bar read as 3 1). */
export function keepPairsWithAOne(plan: UnitPlan, probabilities: ReadonlyArray<ArrayLike<number>>) {
  const last = plan.nodes - 1;
  for (let cut = 1; cut < last; cut++) {
    const pair = plan.edges.filter((e) => (e.from === 0 && e.to === cut) || (e.from === cut && e.to === last));
    const one = pair.some((e) => e.candidate >= 0 && probabilities[e.candidate][1] >= SURE_ONE);
    const both = !plan.anyCut || pair.every((e) => e.candidate >= 0 && Math.max(...Array.from(probabilities[e.candidate])) >= SURE_ONE);
    if (!one || !both) for (const e of pair) e.score = -Infinity;
  }
}

/** Adds to a unit's plan, for each of its cut columns, the path near it that crosses fewest strokes, and the candidates
 * between those paths and the unit's other cuts, until there are `most` candidates in all. Nodes are renumbered: the
 * i-th cut column is node 2i, its path 2i + 1. */
export function addGapCuts(plan: UnitPlan, line: LineContext, most: number, budget: { pixels: number }) {
  const { page, height: H, candidates } = line;
  const { unit, ink, narrow } = plan;
  const px = ink.pixels;
  const seeds = [...plan.origins];
  for (let x = unit.x + SEED_STEP * H; x < right(unit) - SEED_MARGIN * H; x += SEED_STEP * H) {
    if (seeds.every((o) => Math.abs(o - x) >= SEED_STEP * H)) seeds.push(Math.round(x));
  }
  const ranks = [unit.x, ...[...new Set(seeds)].sort((p, q) => p - q), right(unit)];
  const last = ranks.length - 1;
  const cuts: Array<Int32Array | undefined> = new Array(2 * last + 1);
  const columns = narrow ? [...plan.xs, ...plan.origins] : plan.xs;
  for (const x of columns) cuts[2 * ranks.indexOf(x)] = columnCut(x, px.height);
  let previous: Int32Array | undefined;
  const reach = Math.max(2, Math.round(GAP_REACH * H));
  const perPath = px.height * (2 * reach + 1);
  for (let r = 1; r < last && (budget.pixels -= perPath) > 0; r++) {
    line.work.visit(perPath);
    const path = gapPath(px, ranks[r], reach, STROKE);
    // Seeds near each other often find the same path.
    if (!path || path.every((x, y) => x === previous?.[y])) continue;
    cuts[2 * r + 1] = previous = path;
  }
  const old = new Set(plan.xs);
  const edges = plan.edges.map((e) => ({ ...e, from: 2 * ranks.indexOf(plan.xs[e.from]), to: 2 * ranks.indexOf(plan.xs[e.to]) }));
  const widest = WIDEST_DIGIT * H;
  const more = () => candidates.length < most && budget.pixels > 0;
  for (let a = 0; a < cuts.length && more(); a++) {
    for (let b = (a >> 1) * 2 + 2; b < cuts.length && more(); b++) {
      const [left, right] = [cuts[a], cuts[b]];
      if (!left || !right || ranks[b >> 1] - ranks[a >> 1] > widest) continue;
      if (a % 2 === 0 && b % 2 === 0 && old.has(ranks[a >> 1]) && old.has(ranks[b >> 1])) continue;
      const between = px.height * (ranks[b >> 1] - ranks[a >> 1] + 2 * reach + 1);
      line.work.visit(between + CANDIDATE_WORK);
      budget.pixels -= between;
      const { box, strokes } = measureBetween(px, left, right, STROKE);
      if (tooLittleStroke(strokes, unit) || !box) continue;
      const { width: w, height: h } = box;
      if (narrow && h < NARROW_TALL * H) continue;
      const pixels = normaliseDigit({ data: cropBetween(px, box, left, right), width: w, height: h });
      const candidate = { pixels, box: { x: page.x + box.x, y: page.y + box.y, width: w, height: h } };
      edges.push({ from: a, to: b, score: 0, candidate: candidates.push(candidate) - 1, penalty: shapePenalty(w, h, H) });
    }
  }
  plan.nodes = cuts.length;
  plan.edges = edges;
  plan.anyCut = narrow;
}
