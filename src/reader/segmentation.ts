// Reading a number: the ink of a picture → writing units (units.ts) → each unit's plan of candidate digits between cuts,
// each normalised exactly as /predict normalises one digit (unit-plan.ts) → (the caller classifies them all in one
// batch) → the best path through every plan (best-path.ts).
import { connectedComponents, type Labelled } from '../imaging/components.js';
import { PreprocessError } from '../imaging/errors.js';
import { inkPage, type InkPage } from '../imaging/ink-page.js';
import type { Grey } from '../imaging/mnist-normalise.js';
import { shrinkGrey } from '../imaging/shrink.js';
import { UnitInk } from '../imaging/unit-ink.js';
import { unlimited, type WorkBudget } from './work-budget.js';
import { bestPaths, chooseCounts } from './best-path.js';
import {
  DIGIT_PENALTY,
  GAP_PIXELS,
  MAX_DIGITS,
  MAX_LINE_HEIGHT,
  MAX_MORE,
  NOT_ONE_DIGIT,
  SPLIT_PENALTY,
  STROKE,
  TYPICAL_DIGIT_WIDTH,
  UNSURE,
} from './tunables.js';
import { groupPieces, mergeToCount, type Line } from './units.js';
import { addGapCuts, cutPending, keepPairsWithAOne, planUnit, type Candidate, type LineContext, type UnitPlan } from './unit-plan.js';

export type { Candidate } from './unit-plan.js';

type Probabilities = ReadonlyArray<ArrayLike<number>>;

export interface Segmentation {
  candidates: Candidate[];
  /** Given the probabilities of every candidate so far, more candidates, appended to `candidates`: the pieces of
   * units whose whole reading was not sure enough to stand whatever its pieces read, then, once those are read, cuts
   * that follow the gaps between strokes for the units whose reading is unsure. None for most pictures. Call it with
   * each batch's probabilities until it returns none, then pick. */
  refine(probabilities: Probabilities): Candidate[];
  /** Given each candidate's ten probabilities, the indices of the candidates read as the number's digits, in order. */
  pick(probabilities: Probabilities): number[];
  /** Pixels of the picture as decoded per pixel of the candidates' boxes: more than 1 when a tall line was shrunk. */
  scale: number;
}

export function segmentNumber(
  grey: Grey,
  opts: { length?: number; maxDigits?: number; work?: WorkBudget; inkOf?: (grey: Grey) => InkPage } = {},
): Segmentation {
  const { length, maxDigits = MAX_DIGITS, work = unlimited(), inkOf = inkPage } = opts;
  work.spend(findingInk(grey.width * grey.height));
  const found = findLine(grey, maxDigits, inkOf);
  const { page, labelled } = found;
  const line = length !== undefined && found.line.units.length > length ? mergeToCount(found.line, length) : found.line;
  // Wide units hold several digits each: the count is bounded before any candidate is made.
  const least = line.units.reduce((n, u) => n + Math.max(1, Math.round(u.width / line.height / TYPICAL_DIGIT_WIDTH)), 0);
  if (least > maxDigits) throw new PreprocessError('too_many_digits', `about ${least} digits found; at most ${maxDigits} digits are read`);
  const context: LineContext = { page, height: line.height, length, maxDigits, units: line.units.length, candidates: [], work };
  const { unitOf } = line;
  const plans = line.units.map((unit, u) => {
    // The unit's ink and its cuts; planUnit counts its pieces before it measures them.
    work.spend(unit.width * unit.height);
    return planUnit(unit, new UnitInk(page, labelled, (c) => unitOf[c] === u, unit), context);
  });
  if (context.candidates.length === 0) throw noDigit();
  return new PlannedSegmentation(context, plans, found.scale);
}

/** Finding the ink and its components: a few passes over every pixel. */
export const findingInk = (pixels: number) => 4 * pixels;

const noDigit = () => new PreprocessError('no_digit_found', 'no digit-sized writing found in the image');

/** The picture's ink, its components and its writing units; read from a shrunk copy when the line is taller than
 * MAX_LINE_HEIGHT (`scale` is then the factor it was shrunk by). */
function findLine(
  grey: Grey,
  maxDigits: number,
  inkOf: (grey: Grey) => InkPage,
): { page: InkPage; labelled: Labelled; line: Line; scale: number } {
  const found = { ...unitsOf(inkOf(grey), maxDigits), scale: 1 };
  if (found.line.height <= MAX_LINE_HEIGHT) return found;
  const shrunk = shrinkGrey(grey, Math.ceil(found.line.height / MAX_LINE_HEIGHT));
  return { ...unitsOf(inkPage(shrunk.grey), maxDigits), scale: shrunk.scale };
}

function unitsOf(page: InkPage, maxDigits: number) {
  const labelled = connectedComponents(page.data, page.width, page.height, STROKE);
  const line = groupPieces(labelled.components, maxDigits);
  if (line.units.length === 0) throw noDigit();
  return { page, labelled, line };
}

/**
 * What refine() does next, in order:
 * - `narrow pieces`: after the first batch, the pieces of units no wider than one digit whose whole reading was not
 *   sure enough to stand whatever its pieces read;
 * - `second look`: once those are read, cuts that follow the gaps between strokes, for the units read unsurely;
 * - `done`: nothing more.
 * A stage that adds no candidates passes on to the next in the same call.
 */
type Stage = 'narrow pieces' | 'second look' | 'done';

class PlannedSegmentation implements Segmentation {
  readonly candidates: Candidate[];
  #stage: Stage = 'narrow pieces';
  /** The choice made by the last refine() that added nothing, for pick() with the same probabilities. */
  #settled?: { probabilities: Probabilities; picked: number[] };

  constructor(
    readonly line: LineContext,
    readonly plans: UnitPlan[],
    readonly scale: number,
  ) {
    this.candidates = line.candidates;
  }

  refine(probabilities: Probabilities): Candidate[] {
    const first = this.candidates.length;
    const chosen = this.#choose(probabilities);
    if (this.#stage === 'narrow pieces') {
      this.#stage = 'second look';
      this.#cutNarrowPieces();
      if (this.candidates.length > first) return this.candidates.slice(first);
    }
    if (this.#stage === 'second look') {
      this.#stage = 'done';
      this.#lookAgain(chosen, probabilities, first + MAX_MORE);
    }
    // Most pictures get nothing more: then pick, called with the same probabilities, need not choose again.
    if (this.candidates.length === first) this.#settled = { probabilities, picked: chosen.flat() };
    return this.candidates.slice(first);
  }

  pick(probabilities: Probabilities): number[] {
    return this.#settled?.probabilities === probabilities ? this.#settled.picked : this.#choose(probabilities).flat();
  }

  /** A narrow unit's pieces are cut out only where its whole reading (scored by #choose) may lose to them. */
  #cutNarrowPieces() {
    for (const plan of this.plans.filter((p) => p.pending)) {
      const whole = plan.edges.find((e) => e.from === 0 && e.to === plan.nodes - 1)!;
      if (whole.score > -SPLIT_PENALTY + 1e-6) plan.pending = false;
      else cutPending(plan, this.line.page, this.candidates);
    }
  }

  /** Gap cuts for every unit whose chosen reading has a digit less sure than UNSURE (NOT_ONE_DIGIT for a narrow
   * unit), up to `most` candidates in all and GAP_PIXELS of work. */
  #lookAgain(chosen: number[][], probabilities: Probabilities, most: number) {
    const budget = { pixels: GAP_PIXELS };
    chosen.forEach((picked, u) => {
      const sure = Math.min(...picked.map((c) => Math.max(...Array.from(probabilities[c]))));
      if (sure < (this.plans[u].narrow ? NOT_ONE_DIGIT : UNSURE)) addGapCuts(this.plans[u], this.line, most, budget);
    });
  }

  /** Per unit, the candidates of its best reading: each edge scored by its candidate's confidence less its penalty,
   * the best path for every count of digits, then the counts chosen across units (to sum to ?length when given). */
  #choose(probabilities: Probabilities): number[][] {
    const { plans } = this;
    const paths = plans.map((plan) => {
      for (const e of plan.edges) {
        e.score = e.candidate < 0 ? -Infinity : Math.log(Math.max(1e-12, Math.max(...Array.from(probabilities[e.candidate])))) - e.penalty;
      }
      if (plan.narrow) keepPairsWithAOne(plan, probabilities);
      return bestPaths(plan.nodes, plan.edges, plan.prior.length - 1);
    });
    // A path's score, less the count's geometric penalty and DIGIT_PENALTY per digit after the first: the width rules
    // out counts, the classifier chooses.
    const scores = paths.map((byK, u) =>
      byK.map((p, k) => (p && k < plans[u].prior.length ? p.score - plans[u].prior[k] - DIGIT_PENALTY * (k - 1) : -Infinity)),
    );
    const counts = chooseCounts(scores, this.line.length) ?? chooseCounts(scores)!;
    return counts.map((k, u) => (paths[u][k]?.edges ?? []).map((e) => plans[u].edges[e].candidate));
  }
}
