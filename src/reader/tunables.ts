// Every number the reader was tuned with, in one place. Lengths are shares of the line's height H (the median height of
// its substantial components) unless they say otherwise. Tuned on seeded sets other than the tests' and the held-out
// one (docs/performance.md, "Reading numbers" and "Touching digits in POST /read").

// --- The picture and its line ---

/** At most this many digits are read from one picture (a ?length above it is refused). */
export const MAX_DIGITS = 32;
/** Mapped ink level (0..255) from which a pixel belongs to a stroke when finding components. */
export const STROKE = 80;
/** A line taller than this (pixels) is read from a copy shrunk to fit it: every cut and candidate costs in proportion
 * to the line's height squared, and the classifier sees 20 pixels of it anyway. */
export const MAX_LINE_HEIGHT = 256;

// --- Grouping components into writing units (units.ts) ---

/** A piece shorter than this share of H may be part of a neighbour's digit (most digits are at least half as tall). */
export const TALL = 0.5;
/** Marks smaller than this many pixels both ways are too small to read as a digit at any resolution. */
export const SMALLEST = 6;
/** A short piece further than this from every digit is dust. */
export const NEAR = 0.3;
/** Components with at least this share of the largest one's area set H (a dot or a stray tick does not). */
export const SUBSTANTIAL = 0.1;
/** A tall piece sharing this share of the narrower one's columns with a unit is the same digit (a 4 in two strokes)… */
export const SAME_DIGIT_OVERLAP = 0.6;
/** …and at least this many columns (share of H): touching digits overlap by a few columns only. */
export const SAME_DIGIT_MIN_OVERLAP = 0.2;
/** A contour valley that is not also a minimum of the ink's column profile costs this much more as a cut. */
export const VALLEY_ONLY_COST = 0.5;

// --- How many digits a unit may hold ---

/** The width of a typical digit: a unit holds at least round(width ÷ this) digits, which bounds the count early. */
export const TYPICAL_DIGIT_WIDTH = 0.75;
/** The narrowest digit (a 1): a unit holds at most width ÷ this, and two cuts closer than this cannot both part
 * digits. */
export const NARROWEST_DIGIT = 0.15;
/** The widest one digit is: no candidate piece spans more, except a whole unit. */
export const WIDEST_DIGIT = 1.3;
/** The widths k touching digits were measured to span, as width ÷ H = per-digit × k + offset (MNIST test digits laid
 * out by src/synth/numbers.ts; the ranges of neighbouring k overlap, and there the classifier decides). */
export const TOUCHING_WIDTHS = { low: { perDigit: 0.55, offset: -0.25 }, high: { perDigit: 0.75, offset: 0.55 } };
/** Outside that range, a count costs 1 per this much width… */
export const COUNT_SLACK = 0.1;
/** …and a single digit 1 per this much above ONE_DIGIT (one wide digit is common: a 0, a sloppy 2). */
export const ONE_DIGIT_SLACK = 0.25;
/** Counts whose penalty exceeds this are not considered. */
export const MAX_COUNT_PENALTY = 3;
/** Cuts tried per unit: two per digit it may hold and two more, at most this many. */
export const MAX_CUTS = 24;

// --- Scoring a reading ---

/** Reading a unit as several digits rather than one costs this much log-confidence: the halves of a wide digit are
 * often each a confident digit to the classifier (it has no "not a digit" class). */
export const SPLIT_PENALTY = 0.3;
/** Each digit after the first read in one unit costs this much log-confidence (a speech recogniser's word insertion
 * penalty): where k and k + 1 touching digits both fit a unit's width, a stroke cut off a digit and read as a 1 (a 9's
 * stem) costs the digit it came from nothing, so without it the longer reading wins ties. */
export const DIGIT_PENALTY = 0.15;
/** A piece wider than this is an unlikely digit, costing WIDE_PIECE_COST per unit of width beyond it. */
export const WIDE_PIECE = 1.05;
export const WIDE_PIECE_COST = 4;
/** A piece shorter than this (a sliver cut off a curve) is an unlikely digit, costing SHORT_PIECE_COST per unit below. */
export const SHORT_PIECE = 0.55;
export const SHORT_PIECE_COST = 5;
/** A piece with fewer stroke pixels than this, or than LEAST_SHARE_OF_UNIT of its unit's, is a corner clipped by a
 * cut, not a digit. */
export const LEAST_STROKES = 4;
export const LEAST_SHARE_OF_UNIT = 0.04;

// --- A unit no wider than one digit (a 1 stuck to its neighbour is what such a unit holds when it holds two) ---

/** A unit at most this wide is read as one digit unless it has a clean cut. */
export const ONE_DIGIT = 1.1;
/** In such a unit, at most this many cuts are tried, each through at most CLEAN_CUT of stroke, and both pieces at
 * least NARROW_TALL tall: without these limits the halves of single digits in spaced numbers were read as two. */
export const NARROW_CUTS = 2;
export const CLEAN_CUT = 0.2;
export const NARROW_TALL = 0.85;
/** …and one of the two pieces must read as a 1 at least this surely (a sliver of a 9's tail read as a 1 at 0.57 split
 * a spaced 9 in two). */
export const SURE_ONE = 0.9;

// --- The second look: cuts that follow the gap between strokes (gap-cuts.ts) ---

/** A unit whose reading has a digit less sure than this gets a second look; the rest cost nothing more. */
export const UNSURE = 0.9;
/** A unit no wider than one digit gets it only when it reads less surely than this, as no digit at all (the model
 * reads non-digits near uniform); then any of its cut columns may part it, not only the clean ones. */
export const NOT_ONE_DIGIT = 0.5;
/** How far such a cut may stray either side of the column it was seeded at. */
export const GAP_REACH = 0.25;
/** Its seeds: the unit's cut columns, and columns this far apart where they leave a wider gap (a 1 leaning into a 9
 * has no column of least ink between them)… */
export const SEED_STEP = 0.2;
/** …up to this far from the unit's right edge. */
export const SEED_MARGIN = 0.1;
/** Sideways steps of a gap path cost this much (in stroke pixels) each, so that it bends only to get round a stroke. */
export const GAP_STEP_COST = 0.3;
/** …and every column away from where it started this much per row, so that it stays near the cut it was seeded at. */
export const GAP_DRIFT_COST = 0.02;
/** At most this many candidates more per picture, however many wide units read unsurely (a 5-digit touching number
 * takes up to ~300). */
export const MAX_MORE = 512;
/** …and at most this many unit pixels visited finding and measuring them: their cost grows with the square of the
 * line's height (a picture of noise read as one line 1,000 px tall took 1.3 s of the event loop without it). */
export const GAP_PIXELS = 24_000_000;
/** What one candidate costs beyond the pixels it is measured on, in pixels of work (work-budget.ts): cutting it out,
 * normalising it to 28×28 and making the model's input from it take about as long as finding the ink in this many
 * pixels; without it, a small picture of many tiny marks made 700 candidates on about 0.5 M pixels of work. */
export const CANDIDATE_WORK = 2 * 28 * 28;
