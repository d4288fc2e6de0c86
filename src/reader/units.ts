// From connected components to the line's writing units: specks and dust dropped, the pieces of one digit (a 5 whose
// top bar is detached, a 4 drawn in two strokes) merged; and, in a unit too wide for one digit, the candidate cuts where
// touching digits may be parted (minima of the ink's column profile and valleys of its upper and lower contours).
import { bottom, right, type Box } from '../imaging/box.js';
import type { Component } from '../imaging/components.js';
import { PreprocessError } from '../imaging/errors.js';
import type { UnitInk } from '../imaging/unit-ink.js';
import { NEAR, SAME_DIGIT_MIN_OVERLAP, SAME_DIGIT_OVERLAP, SMALLEST, SUBSTANTIAL, TALL, VALLEY_ONLY_COST } from './tunables.js';

/** A writing unit: its box on the ink page, its stroke pixels and its components. */
export interface Unit extends Box {
  area: number;
  /** Indices of the components it is made of. */
  members: number[];
}

export interface Line {
  /** Left to right. */
  units: Unit[];
  /** Per component: the index of its unit, or -1 for a dropped speck. */
  unitOf: Int32Array;
  /** The typical height of a digit on this line (median height of the substantial components). */
  height: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const overlap = (a: Box, b: Box) => Math.min(right(a), right(b)) - Math.max(a.x, b.x);

/** Groups components into units; throws 422 too_many_digits when more than maxDigits digit-sized units are found. */
export function groupPieces(components: readonly Component[], maxDigits: number): Line {
  const unitOf = new Int32Array(components.length).fill(-1);
  const marks = components.filter((c) => Math.max(c.width, c.height) >= SMALLEST);
  if (marks.length === 0) return { units: [], unitOf, height: 0 };
  // A loop, not Math.max(...): a picture of 150,000 marks overflowed the stack spread into arguments.
  let maxArea = 0;
  for (const c of marks) maxArea = Math.max(maxArea, c.area);
  const substantial = marks.filter((c) => c.area >= SUBSTANTIAL * maxArea);
  const height = median(substantial.map((c) => c.height));
  const isTall = (c: Component) => c.height >= Math.max(TALL * height, SMALLEST);
  const tall = components.map((_, i) => i).filter((i) => isTall(components[i]));
  // Counted before any pairwise work, so that a picture of noise costs one pass, not a quadratic one.
  if (tall.length > maxDigits) throw tooManyDigits(tall.length, maxDigits);

  const units: Unit[] = [];
  const join = (u: Unit, i: number) => {
    const c = components[i];
    const [r, b] = [Math.max(right(u), right(c)), Math.max(bottom(u), bottom(c))];
    u.x = Math.min(u.x, c.x);
    u.y = Math.min(u.y, c.y);
    u.width = r - u.x;
    u.height = b - u.y;
    u.area += c.area;
    u.members.push(i);
    unitOf[i] = units.indexOf(u);
  };
  const start = (i: number) => {
    const c = components[i];
    const u: Unit = { x: c.x, y: c.y, width: c.width, height: c.height, area: 0, members: [] };
    units.push(u);
    join(u, i);
    return u;
  };
  // Tall pieces, largest first: one that shares most of its columns with a unit already started is the same digit (a 4
  // drawn in two strokes). Touching digits overlap by a few columns only.
  for (const i of [...tall].sort((a, b) => components[b].area - components[a].area)) {
    const c = components[i];
    const shared = (u: Unit) => Math.max(SAME_DIGIT_OVERLAP * Math.min(c.width, u.width), SAME_DIGIT_MIN_OVERLAP * height);
    const host = units.find((u) => overlap(u, c) >= shared(u));
    if (host) join(host, i);
    else start(i);
  }
  // A short piece is seldom a digit of its own (most digits are at least half as tall as the line): it joins the nearest
  // unit, if one is near enough (a 5's detached bar, a 7's crossbar), or is dust unless it is wide.
  const short = components.map((_, i) => i).filter((i) => !isTall(components[i]));
  for (const i of short.sort((a, b) => components[b].area - components[a].area)) {
    const c = components[i];
    let best: Unit | undefined;
    let nearest = Infinity;
    for (const u of units) {
      const across = Math.max(u.x - right(c), c.x - right(u), 0) - Math.max(0, overlap(u, c));
      const gap = Math.max(u.y - bottom(c), c.y - bottom(u), 0);
      if (across < nearest && across <= NEAR * height && gap <= NEAR * height) [best, nearest] = [u, across];
    }
    if (best) join(best, i);
    // Far from every digit yet as wide as half the line: a small or flat digit (a 2 written low), not dust.
    else if (c.width >= TALL * height && start(i) && units.length > maxDigits) {
      // At once: every short piece is compared with every unit, so 150,000 flat marks each starting a unit took hours.
      throw tooManyDigits(units.length, maxDigits, 'more than ');
    }
  }
  if (units.length > maxDigits) throw tooManyDigits(units.length, maxDigits);
  const order = units.map((_, i) => i).sort((a, b) => units[a].x - units[b].x);
  const rank = new Int32Array(units.length);
  order.forEach((u, r) => (rank[u] = r));
  for (let i = 0; i < unitOf.length; i++) if (unitOf[i] >= 0) unitOf[i] = rank[unitOf[i]];
  return { units: order.map((u) => units[u]), unitOf, height };
}

const tooManyDigits = (found: number, maxDigits: number, atLeast = '') =>
  new PreprocessError(
    'too_many_digits',
    `found ${atLeast}${atLeast ? maxDigits : found} digit-sized marks; at most ${maxDigits} digits are read`,
  );

/** A column where a unit may be cut (parting columns [left, x) from [x, right)), and how many of its pixels are stroke. */
export interface Cut {
  x: number;
  ink: number;
}

/**
 * Candidate cuts inside a unit: the columns where the unit has least ink, and the valleys of its upper and lower
 * contours, best first, at least `minGap` apart, at most `most`; left to right.
 */
export function candidateCuts(unitInk: UnitInk, unit: Unit, minGap: number, most: number): Cut[] {
  const width = unit.width;
  const ink = Float32Array.from(unitInk.strokes);
  const { strokeTop: top, strokeBottom: bottom } = unitInk;
  const smooth = ink.map((v, x) => (ink[Math.max(0, x - 1)] + 2 * v + ink[Math.min(width - 1, x + 1)]) / 4);
  const margin = Math.max(1, Math.round(minGap / 2));
  const pool: Array<{ x: number; cost: number }> = [];
  for (let x = margin; x < width - margin; x++) {
    const profileMin = smooth[x] <= smooth[x - 1] && smooth[x] <= smooth[x + 1];
    const upperValley = top[x] >= top[x - 1] && top[x] >= top[x + 1];
    const lowerValley = bottom[x] <= bottom[x - 1] && bottom[x] <= bottom[x + 1];
    if (profileMin || upperValley || lowerValley) pool.push({ x, cost: smooth[x] + (profileMin ? 0 : VALLEY_ONLY_COST) });
  }
  pool.sort((a, b) => a.cost - b.cost || a.x - b.x);
  const chosen: number[] = [];
  for (const { x } of pool) {
    if (chosen.length >= most) break;
    if (chosen.every((c) => Math.abs(c - x) >= minGap)) chosen.push(x);
  }
  return chosen.sort((a, b) => a - b).map((x) => ({ x: unit.x + x, ink: ink[x] }));
}

/** Merges the two neighbouring units with the narrowest gap until at most `count` are left (for ?length). */
export function mergeToCount(line: Line, count: number): Line {
  const units = line.units.map((u) => ({ ...u, members: [...u.members] }));
  while (units.length > count) {
    let at = 0;
    for (let i = 1; i + 1 < units.length; i++) if (units[i + 1].x - right(units[i]) < units[at + 1].x - right(units[at])) at = i;
    const [a, b] = [units[at], units[at + 1]];
    const [x, y] = [Math.min(a.x, b.x), Math.min(a.y, b.y)];
    units.splice(at, 2, {
      x,
      y,
      width: Math.max(right(a), right(b)) - x,
      height: Math.max(bottom(a), bottom(b)) - y,
      area: a.area + b.area,
      members: [...a.members, ...b.members],
    });
  }
  const unitOf = new Int32Array(line.unitOf.length).fill(-1);
  units.forEach((u, i) => u.members.forEach((m) => (unitOf[m] = i)));
  return { units, unitOf, height: line.height };
}
