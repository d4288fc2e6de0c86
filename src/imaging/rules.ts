// Printed rules on the page: the lines of ruled paper and the squares of squared paper, fainter than the writing on
// them, erased from a page's ink before the line's box is found. Left in, they are ink to both readers: the line's box
// grew to the whole sheet and the digits shrank to a few rows of the line model's input (docs/performance.md, "Ruled and
// squared paper"). Written here, not taken from a library: no maintained Node package finds lines in a picture (OpenCV's
// bindings are native builds far larger than the service), and the reader needs the rule's own level, not only where it is.
import { MIN_CONTRAST, type Ink } from './mnist-normalise.js';

/** Rules are looked for within this many radians of the page's axes (6°): a scan or a photo held roughly straight. */
const MAX_TILT = 0.105;
/** A rule runs through at least this share of the page's columns (rows, for a grid's columns) at its faint level. */
const MIN_COVER = 0.6;
/** Printed rules are fainter than the writing: a rule's level is at most this far from the paper to the strongest ink. */
const MAX_RULE_LEVEL = 0.6;
/** A page shows at least this many horizontal rules before any is erased: one straight faint line could be a stroke (a
 * 7's bar drawn lightly across a tight crop); two parallel ones are a sheet's printing. */
const MIN_RULES = 2;
/** A rule's band is at most this many pixels each side of its centre line. */
const MAX_HALF_BAND = 3;
/** Pages smaller than this on a side are a digit's crop, with no room for a ruled sheet. */
const MIN_SIDE = 24;
/** Rules on one page, at most, each way: a grid finer than this across a picture is texture, not a sheet to read on,
 * and the work of finding rules stays bounded whatever the picture. */
const MAX_RULES = 64;
/** One sheet's rules are printed alike: their levels above the paper within this share of each other's. */
const PRINTED_ALIKE = 0.3;
/** A printed rule is unbroken: its longest run of columns with nothing in its band is at most this share of it (the
 * bars of a row of light 7s have the gaps between the digits). */
const MAX_GAP = 0.04;
/** A rule that leaves the page (tilted, through its top or bottom) is looked at when this share of it is within it. */
const MIN_INSIDE = 0.25;
/** A pixel of a rule's band is the rule's own up to this share of the way from the rule's level to the strongest ink:
 * a stroke lying along the rule, a little stronger than it, stays. */
const ERASABLE_SHARE = 0.15;
/** Pixels above this share of the way from the paper to the strongest ink do not vote for rules: rules are fainter. */
const VOTING_LEVEL = 0.8;
/** croppedInk's floor on a page with paper grain: ink this share of the way from the paper to the strongest ink. */
const CROP_FLOOR = 0.15;
/** A stroke beyond a rule's band keeps the band whole this many columns either side of it (a slanted stroke crosses
 * the band over a few columns). */
const CROSSING_REACH = 2;
/** Columns that vote in the Hough transform, at most: as many as a rule needs to stand out from the writing. */
const SAMPLED_COLUMNS = 160;

/** One rule: the line y = centre + slope·x (in the page's rows, or in its columns for a vertical rule), its band of
 * rows around it, and its level. */
interface Rule {
  centre: number;
  slope: number;
  below: number;
  above: number;
  /** The median of the strongest pixel across its band, over the columns it shows in. */
  level: number;
  /** Above this a pixel beyond the band is a stroke: halfway from the paper to the rule's level. */
  stroke: number;
}

/** A page's ink with its printed rules erased, in place (ink.data is written); the page itself when it shows none. A
 * sheet with nothing written on it comes back blank. */
export function withoutRules(ink: Ink): Ink {
  const { width, height, max, background } = ink;
  if (width < MIN_SIDE || height < MIN_SIDE || max - background < 32) return ink;
  const faint = background + Math.max(6, Math.round(0.06 * (max - background)));
  if (!mostColumnsInked(ink.data, width, height, faint)) return ink;
  if (erasePrinting(ink, faint, max)) return ink;
  // A sheet with nothing written on it: its printing is its strongest ink, so no rule is fainter than the writing.
  // Looked for again as if writing stood twice as far from the paper, on a copy kept only when nothing is left.
  const sheet = { ...ink, data: Uint8Array.from(ink.data) };
  if (!erasePrinting(sheet, faint, background + 2 * (max - background))) return ink;
  const left = sheet.data.reduce((m, v) => Math.max(m, v), 0);
  return left - background < MIN_CONTRAST ? { ...sheet, max: left } : ink;
}

/** Erases the page's printed rules in place, taking `writing` for the strongest writing's level; false, with the page
 * untouched, when it shows none. */
function erasePrinting(ink: Ink, faint: number, writing: number): boolean {
  const { width, height, background } = ink;
  const page = { ...ink, max: writing };
  // The page along its rows (a rule's pixel a along it, c across) and along its columns.
  const alongRows: Axis = { data: ink.data, length: width, across: height, along: 1, step: width };
  const alongColumns: Axis = { data: ink.data, length: height, across: width, along: width, step: 1 };
  const across = printedAlike(findRules(alongRows, faint, page), background);
  if (across.length < MIN_RULES) return false;
  // Squared paper: its columns are looked for only on a page that shows rows of printing, and printed as they are.
  const level = across.map((r) => r.level).sort((p, q) => p - q)[across.length >> 1];
  const down = findRules(alongColumns, faint, page).filter((r) => Math.abs(r.level - level) <= PRINTED_ALIKE * (level - background));
  // Rules no stronger than the level where the line's crop starts (croppedInk's floor) are paper to the readers already.
  const floor = background + CROP_FLOOR * (writing - background);
  const [rows, columns] = [across.filter((r) => r.level > floor), down.filter((r) => r.level > floor)];
  if (rows.length + columns.length === 0) return false;
  const band = new Uint8Array(width * height);
  for (const rule of rows) markBand(alongRows, rule, band, ROWS);
  for (const rule of columns) markBand(alongColumns, rule, band, COLUMNS);
  // Each rule is erased as its sheet prints rules (the median level and thickness of its kind): a rule measured where
  // writing lies along it (light bars of 7s on it, in a tight crop) reads as stronger and thicker than it is.
  const rowsPrinted = printing(rows.map((r) => [r.level, thicknessOf(alongRows, r, band, COLUMNS)]));
  const columnsPrinted = printing(columns.map((r) => [r.level, thicknessOf(alongColumns, r, band, ROWS)]));
  for (const rule of rows) erase(alongRows, rule, band, COLUMNS, asPrinted(rowsPrinted, page, faint));
  for (const rule of columns) erase(alongColumns, rule, band, ROWS, asPrinted(columnsPrinted, page, faint));
  clearLeftovers(ink.data, width, height, band, faint);
  return true;
}

/** The rules running along one axis of the page. A Hough transform over slopes within MAX_TILT on a sample of columns:
 * every pixel above `faint` votes for the lines through it; each line with votes in MIN_COVER of the columns is set
 * exactly on the full page's pixels, and is a rule when measureRule says so. */
function findRules(axis: Axis, faint: number, { max, background }: Ink): Rule[] {
  const { data, length, across, along, step } = axis;
  const stride = Math.max(1, Math.ceil(length / SAMPLED_COLUMNS));
  // Slopes `tolerance` pixels apart across the whole length, and bins as wide: a rule's votes fall in one bin or two.
  const tolerance = Math.max(1, Math.ceil(length / 400));
  const slopes = Math.ceil((Math.tan(MAX_TILT) * length) / tolerance);
  const count = 2 * slopes + 1;
  const reach = slopes + 1;
  const bins = Math.ceil(across / tolerance) + 2 * reach;
  const votes = new Uint16Array(count * bins);
  // Only pixels a rule could be made of vote: the cores of strokes stronger than any rule would only add noise (and work).
  const strongest = background + VOTING_LEVEL * (max - background);
  for (let a = 0; a < length; a += stride) {
    const drift = a / length;
    for (let c = 0; c < across; c++) {
      const v = data[a * along + c * step];
      if (v <= faint || v > strongest) continue;
      const bin = c / tolerance + reach;
      for (let k = 0; k < count; k++) votes[k * bins + Math.floor(bin - (k - slopes) * drift)]++;
    }
  }
  const sampled = Math.ceil(length / stride);
  const candidates: Array<{ k: number; bin: number; score: number }> = [];
  for (let k = 0; k < count; k++) {
    for (let bin = 0; bin < bins; bin++) {
      const v = votes[k * bins + bin];
      if (v < MIN_COVER * MIN_INSIDE * sampled) continue;
      const inside = sampledInside(length, across, stride, (bin - reach + 0.5) * tolerance, ((k - slopes) * tolerance) / length);
      if (inside < MIN_INSIDE * sampled || v < MIN_COVER * inside) continue;
      // A line's own bin, not its neighbours' (a thick rule's votes spill one bin over).
      let peak = true;
      for (let dk = -1; dk <= 1 && peak; dk++)
        for (let db = -1; db <= 1; db++) {
          const [kk, bb] = [k + dk, bin + db];
          if ((dk || db) && kk >= 0 && kk < count && bb >= 0 && bb < bins && votes[kk * bins + bb] > v) peak = false;
        }
      if (peak) candidates.push({ k, bin, score: v });
    }
  }
  candidates.sort((p, q) => q.score - p.score);
  const rules: Rule[] = [];
  // Lines already looked at, rules or not: a line's neighbouring peaks are the same line.
  const looked: Array<{ centre: number; slope: number }> = [];
  const middle = length / 2;
  const near = (centre: number, slope: number) =>
    looked.some((r) => Math.abs(r.centre + r.slope * middle - (centre + slope * middle)) <= 2 * MAX_HALF_BAND);
  for (const { k, bin } of candidates) {
    if (rules.length >= MAX_RULES || looked.length >= 4 * MAX_RULES) break;
    const coarse = { centre: (bin - reach + 0.5) * tolerance, slope: ((k - slopes) * tolerance) / length };
    if (near(coarse.centre, coarse.slope)) continue;
    const { centre, slope } = setExactly(axis, stride, coarse, tolerance, faint);
    if (near(centre, slope)) continue;
    looked.push({ centre, slope });
    const rule = measureRule(axis, centre, slope, faint, max, background);
    if (rule) rules.push(rule);
  }
  return rules;
}

/** The largest set of `rules` printed alike, as one sheet's are: levels within PRINTED_ALIKE of each other's (above the
 * paper) and slopes within 2°. A line of writing (light bars of 7s in a row) and an underline drawn with another
 * pressure are not one sheet's printing. */
function printedAlike(rules: Rule[], background: number): Rule[] {
  let best: Rule[] = [];
  for (const r of rules) {
    const alike = rules.filter(
      (q) => Math.abs(q.level - r.level) <= PRINTED_ALIKE * (r.level - background) && Math.abs(q.slope - r.slope) <= 0.035,
    );
    if (alike.length > best.length) best = alike;
  }
  return best;
}

/** How many of the sampled columns the line c = centre + slope·a crosses within the page. */
function sampledInside(length: number, across: number, stride: number, centre: number, slope: number): number {
  let inside = 0;
  for (let a = 0; a < length; a += stride) {
    const c = centre + slope * a;
    if (c >= -0.5 && c < across - 0.5) inside++;
  }
  return inside;
}

/** The line within `tolerance` pixels of `coarse` (its centre and its ends) that runs through the most pixels above
 * `faint` in the sampled columns, and the fewest below. */
function setExactly(
  { data, length, across, along, step }: Axis,
  stride: number,
  coarse: { centre: number; slope: number },
  tolerance: number,
  faint: number,
): { centre: number; slope: number } {
  let best = { centre: Math.round(coarse.centre), slope: coarse.slope, score: -Infinity };
  for (let ds = -tolerance; ds <= tolerance; ds++) {
    const slope = coarse.slope + ds / length;
    for (let dc = -tolerance; dc <= tolerance; dc++) {
      const centre = Math.round(coarse.centre) + dc;
      // Pixels on the line less pixels off it, within the page: a rule that leaves the page is not set at a slope that
      // keeps it longer within it.
      let score = 0;
      for (let a = 0; a < length; a += stride) {
        const c = Math.round(centre + slope * a);
        if (c >= 0 && c < across) score += data[a * along + c * step] > faint ? 1 : -1;
      }
      if (score > best.score) best = { centre, slope, score };
    }
  }
  return best;
}

/** The rule along y = centre + slope·x, or undefined when the line is not one: its band (the rows either side whose
 * mean stands above `faint`), its level (the median of each column's strongest pixel in the band, over the columns where
 * that stands above `faint`), covered in MIN_COVER of the columns, and fainter than the writing. */
function measureRule(
  { data, length, across, along, step }: Axis,
  centre: number,
  slope: number,
  faint: number,
  max: number,
  background: number,
): Rule | undefined {
  const at = (a: number, d: number) => {
    const c = Math.round(centre + slope * a) + d;
    return c >= 0 && c < across ? data[a * along + c * step] : 0;
  };
  // A tilted rule may leave the page through its top or bottom: it is judged on the part within the page.
  const inPage = (a: number) => {
    const c = Math.round(centre + slope * a);
    return c >= 0 && c < across;
  };
  let inside = 0;
  for (let a = 0; a < length; a++) if (inPage(a)) inside++;
  if (inside < MIN_INSIDE * length) return undefined;
  const mean = (d: number) => {
    let sum = 0;
    for (let a = 0; a < length; a++) if (inPage(a)) sum += at(a, d);
    return sum / inside;
  };
  let below = 0;
  let above = 0;
  while (below < MAX_HALF_BAND && mean(-below - 1) > faint) below++;
  while (above < MAX_HALF_BAND && mean(above + 1) > faint) above++;
  const levels = new Uint32Array(256);
  let covered = 0;
  let [gap, longest] = [0, 0];
  for (let a = 0; a < length; a++) {
    if (!inPage(a)) continue;
    let strongest = 0;
    for (let d = -below - 1; d <= above + 1; d++) strongest = Math.max(strongest, at(a, d));
    if (strongest > faint) {
      levels[strongest]++;
      covered++;
      gap = 0;
    } else longest = Math.max(longest, ++gap);
  }
  if (covered < MIN_COVER * inside || longest > MAX_GAP * inside) return undefined;
  let level = 0;
  for (let seen = 0; level < 255 && seen + levels[level] <= covered / 2; level++) seen += levels[level];
  if (level > background + MAX_RULE_LEVEL * (max - background)) return undefined;
  const { erasable, stroke } = clearing(level, max, background, faint);
  // The rule's own pixels (at or below `erasable`) must make up the cover by themselves: writing along a line of the
  // page (a row of 0s' tops) is covered by strokes stronger than that.
  let own = 0;
  for (let v = faint + 1; v <= erasable; v++) own += levels[v];
  if (own < MIN_COVER * inside) return undefined;
  return { centre, slope, below, above, level, stroke };
}

/** The bits of a pixel in `band`: within a row's band, within a column's. */
const [ROWS, COLUMNS] = [1, 2];

/** Marks the rule's band in `band` with `bit`: its rows, and one more each side, where its faint rim lies. */
function markBand({ length, across, along, step }: Axis, rule: Rule, band: Uint8Array, bit: number) {
  for (let a = 0; a < length; a++) {
    const [low, high] = bandOf(rule, a, across);
    for (let c = low; c <= high; c++) band[a * along + c * step] |= bit;
  }
}

/** The median level and thickness of `rules` ([level, thickness] each); of two, the fainter and thinner. */
function printing(rules: Array<[number, number]>): { level: number; thickness: number } {
  const median = (values: number[]) => values.sort((p, q) => p - q)[(values.length - 1) >> 1] ?? 0;
  return { level: median(rules.map(([level]) => level)), thickness: median(rules.map(([, thickness]) => thickness)) };
}

/** What erasing a rule printed at `level` and `thickness` clears and keeps: pixels up to ERASABLE_SHARE from the level
 * to the ink are the rule's; beyond its band, pixels above halfway from the paper to its level are strokes. */
function asPrinted({ level, thickness }: { level: number; thickness: number }, { max, background }: Ink, faint: number): Printed {
  return { ...clearing(level, max, background, faint), thickness };
}

/** For a rule at `level`: up to which level its band's pixels are its own (ERASABLE_SHARE of the way on to the
 * strongest ink), and above which a pixel beyond its band is a stroke (halfway from the paper to its level). */
function clearing(level: number, max: number, background: number, faint: number): { erasable: number; stroke: number } {
  return {
    erasable: Math.round(level + ERASABLE_SHARE * (max - level)),
    stroke: Math.max(faint, Math.round((background + level) / 2)),
  };
}

/** The page seen along one axis: pixel (a, c), a along it (of `length`) and c across it (of `across`), is
 * data[a·along + c·step]. */
interface Axis {
  data: Uint8Array;
  length: number;
  across: number;
  along: number;
  step: number;
}

interface Printed {
  erasable: number;
  stroke: number;
  thickness: number;
}

/** The band's rows of `rule` at `a` along it: its own rows and one more each side, within the page. */
function bandOf(rule: Rule, a: number, across: number): [number, number] {
  const mid = Math.round(rule.centre + rule.slope * a);
  return [Math.max(0, mid - rule.below - 1), Math.min(across - 1, mid + rule.above + 1)];
}

/** The rule's thickness: the most common count of pixels above its stroke level across its band (not counting the
 * rules crossing it, in bands marked `crossing`), over the columns where there are any. */
function thicknessOf(axis: Axis, rule: Rule, band: Uint8Array, crossing: number): number {
  const counts = new Uint32Array(2 * MAX_HALF_BAND + 4);
  for (let a = 0; a < axis.length; a++) counts[inkAcross(axis, rule, a, rule.stroke, band, crossing)]++;
  return counts.indexOf(Math.max(...counts.subarray(1)), 1);
}

/** How many pixels of the rule's band at `a` along it stand above `level`, not counting those in bands marked
 * `crossing` (the rules crossing it). */
function inkAcross({ data, across, along, step }: Axis, rule: Rule, a: number, level: number, band: Uint8Array, crossing: number): number {
  const [low, high] = bandOf(rule, a, across);
  let count = 0;
  for (let c = low; c <= high; c++) if (data[a * along + c * step] > level && !(band[a * along + c * step] & crossing)) count++;
  return count;
}

/** Clears the rule's pixels (at or below `printed.erasable`) within its band, except where writing crosses it or lies
 * along it: within CROSSING_REACH columns of a stroke that shows just beyond the band on either side (pixels of other
 * rules' bands are not strokes), or of a column whose band holds more than the printed thickness of ink (a stroke along
 * the rule, as faint as it, is thicker than it; the rules crossing it, in bands marked `crossing`, do not count), every
 * pixel of the band is left as it is. */
function erase(axis: Axis, rule: Rule, band: Uint8Array, crossing: number, printed: Printed) {
  const { data, length, across, along, step } = axis;
  const stroke = (a: number, c: number) =>
    c >= 0 && c < across && !band[a * along + c * step] && data[a * along + c * step] > printed.stroke;
  const crossed = new Uint8Array(length);
  for (let a = 0; a < length; a++) {
    const [low, high] = bandOf(rule, a, across);
    // Two pixels in a row beyond the band: a speck of the paper's grain is one.
    const beyond = (stroke(a, low - 1) && stroke(a, low - 2)) || (stroke(a, high + 1) && stroke(a, high + 2));
    if (beyond || inkAcross(axis, rule, a, printed.stroke, band, crossing) > printed.thickness + 1)
      for (let b = Math.max(0, a - CROSSING_REACH); b <= Math.min(length - 1, a + CROSSING_REACH); b++) crossed[b] = 1;
  }
  for (let a = 0; a < length; a++) {
    if (crossed[a]) continue;
    const [low, high] = bandOf(rule, a, across);
    for (let c = low; c <= high; c++) {
      const i = a * along + c * step;
      if (data[i] <= printed.erasable) data[i] = 0;
    }
  }
}

/** Clears what is left of the rules where they were stronger than their level (where two rules cross, a dark fleck): every
 * group of joined pixels above `faint` that lies wholly within the bands. Writing that crosses a rule reaches outside
 * its band and stays. */
function clearLeftovers(data: Uint8Array, width: number, height: number, band: Uint8Array, faint: number) {
  // 0: not looked at; 1: in the group being gathered; 2: writing (a group that left the bands).
  const seen = new Uint8Array(width * height);
  const group: number[] = [];
  for (let start = 0; start < data.length; start++) {
    if (!band[start] || seen[start] || data[start] <= faint) continue;
    group.length = 0;
    group.push(start);
    seen[start] = 1;
    let inside = true;
    for (let g = 0; g < group.length && inside; g++) {
      const i = group[g];
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1 && inside; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [xx, yy] = [x + dx, y + dy];
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          const j = yy * width + xx;
          if (seen[j] === 1 || data[j] <= faint) continue;
          if (seen[j] === 2 || !band[j]) {
            inside = false;
            break;
          }
          seen[j] = 1;
          group.push(j);
        }
      }
    }
    for (const i of group) {
      if (inside) data[i] = 0;
      else seen[i] = 2;
    }
  }
}

/** Whether ink shows in MIN_COVER of the page's columns: a rule across the page puts it there, and a number written on
 * plain paper, with gaps between its digits and margins round it, mostly does not: such a page needs no further look. */
function mostColumnsInked(data: Uint8Array, width: number, height: number, faint: number): boolean {
  const inked = new Uint8Array(width);
  const needed = MIN_COVER * width;
  let count = 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (data[i] > faint && !inked[x]) {
        inked[x] = 1;
        if (++count >= needed) return true;
      }
    }
  }
  return false;
}
