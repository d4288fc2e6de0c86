// One training line from end to end: digits drawn from the training sources, written by a random hand, rendered as
// a picture, and then taken through the imaging steps /read takes (decoding for photos, polarity, even light, the
// ink crop) and normaliseLine: what the model learns from is what serving will feed it.
import { normaliseLine, type NormalisedLine } from '../../imaging/line.js';
import { createRng } from '../../model/random.js';
import { decodeForReading } from '../../imaging/decode-for-reading.js';
import { inkPage } from '../../imaging/ink-page.js';
import { resample } from '../../imaging/resample.js';
import type { Split } from '../mnist.js';
import { composeLine, drawWriter, type WriterHabits } from './compose.js';
import { TRAIN_MNIST_END, type Glyph, mnistTrainingGlyph } from './glyphs.js';
import { chance, type Rng } from './ink-ops.js';
import { blur, canvasGrey, drawMedium, paperGrey, photoJpeg } from './render.js';

export interface LineSources {
  /** MNIST's training split; only train[0:55000] is drawn from. */
  mnist: Split;
  /** The training fonts' digits, each font with its tallest digit's height. */
  fonts: Array<{ glyphs: Glyph[]; unit: number }>;
  /** Share of lines written in a font rather than in MNIST digits. */
  fontShare: number;
  /** The habits the recipe adds to its writers (condensed hands, joins, nestled digits). */
  habits: WriterHabits;
}

export interface TrainingLine {
  line: NormalisedLine;
  label: number[];
}

/** Digits per line: 1–10, with zip codes' 5 and 9 drawn more often. */
export function drawLength(rng: Rng): number {
  const r = rng();
  if (r < 0.15) return 5;
  if (r < 0.25) return 9;
  return 1 + Math.floor(rng() * 10);
}

const int = (rng: Rng, n: number) => Math.floor(rng() * n);

const MAX_PICTURE_PIXELS = 16_000_000;

/** One line; undefined in the rare case the picture's ink does not stand out (the imaging steps find no line). */
export async function trainingLine(sources: LineSources, rng: Rng): Promise<TrainingLine | undefined> {
  const length = drawLength(rng);
  const useFont = sources.fonts.length > 0 && chance(rng, sources.fontShare);
  let glyphs: Glyph[];
  let unit: number;
  if (useFont) {
    const font = sources.fonts[int(rng, sources.fonts.length)];
    glyphs = Array.from({ length }, () => font.glyphs[int(rng, 10)]);
    unit = font.unit;
  } else {
    glyphs = Array.from({ length }, () => mnistTrainingGlyph(sources.mnist, int(rng, TRAIN_MNIST_END)));
    unit = 20; // MNIST's digits stand 20 px tall in their frame
  }
  const ink = composeLine(glyphs, unit, drawWriter(rng, sources.habits), rng);
  const medium = drawMedium(rng);
  try {
    const grey =
      medium === 'photo'
        ? (await decodeForReading(await photoJpeg(ink, rng), MAX_PICTURE_PIXELS)).grey
        : medium === 'canvas'
          ? canvasGrey(ink, rng)
          : paperGrey(ink, rng);
    const line = normaliseLine(inkPage(grey));
    if (!line) return undefined;
    // A picture whose ink the imaging steps lose (a bold blurred stroke taken for paper, a shadow taken for ink) would
    // teach the label over noise: it must still look like its clean ink once normalised.
    const clean = normaliseLine(inkPage(canvasGrey(ink, () => 1)));
    return clean && likeness(line, clean) >= MIN_LIKENESS ? { line, label: ink.label } : undefined;
  } catch {
    return undefined; // no ink found: the picture says nothing the label could be learnt from
  }
}

/** The least correlation between a training line and its clean ink's line for it to be learnt from. */
export const MIN_LIKENESS = 0.7;

/** Pearson correlation of two normalised lines' pixels, the first resampled to the second's width, both blurred (σ 2
 * px) so that a box a few pixels taller or wider (a speck of grain) still lines the strokes up. */
export function likeness(a: NormalisedLine, b: NormalisedLine): number {
  const bytes = (l: NormalisedLine) => Uint8Array.from(l.data, (v) => Math.round(255 * v));
  const x = blur(resample(bytes(a), a.width, 28, b.width, 28), b.width, 28, 2);
  const y = blur(bytes(b), b.width, 28, 2);
  let [sx, sy, sxx, syy, sxy] = [0, 0, 0, 0, 0];
  for (let i = 0; i < y.length; i++) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    syy += y[i] * y[i];
    sxy += x[i] * y[i];
  }
  const n = y.length;
  const cov = sxy - (sx * sy) / n;
  const den = Math.sqrt((sxx - (sx * sx) / n) * (syy - (sy * sy) / n));
  return den > 0 ? cov / den : 0;
}

/** A batch of lines padded with black on the right to one width (a multiple of 4, which the pools' gradients need). */
export interface LineBatch {
  data: Float32Array;
  n: number;
  width: number;
  /** Each line's own width before padding. */
  widths: number[];
  labels: number[][];
}

export function padBatch(lines: TrainingLine[]): LineBatch {
  const width = Math.ceil(Math.max(...lines.map((l) => l.line.width)) / 4) * 4;
  const rows = 28;
  const data = new Float32Array(lines.length * rows * width);
  lines.forEach(({ line }, i) => {
    for (let y = 0; y < rows; y++) data.set(line.data.subarray(y * line.width, (y + 1) * line.width), (i * rows + y) * width);
  });
  return { data, n: lines.length, width, widths: lines.map((l) => l.line.width), labels: lines.map((l) => l.label) };
}

/**
 * Chunk `index` of the training stream: `batches` batches of `batchSize` lines, the same for the same seed and index
 * (so a resumed run sees what the uninterrupted one would). The chunk's lines are sorted by width before they are cut
 * into batches, so that little of a batch is padding; the batches come out in a shuffled order.
 */
export async function trainingChunk(
  sources: LineSources,
  seed: number,
  index: number,
  batches: number,
  batchSize: number,
): Promise<LineBatch[]> {
  const rng = createRng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const lines: TrainingLine[] = [];
  while (lines.length < batches * batchSize) {
    const line = await trainingLine(sources, rng);
    if (line) lines.push(line);
  }
  lines.sort((a, b) => a.line.width - b.line.width);
  const out = Array.from({ length: batches }, (_, b) => padBatch(lines.slice(b * batchSize, (b + 1) * batchSize)));
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(rng, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
