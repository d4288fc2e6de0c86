// Pictures of whole numbers for the reader's tests and bench:read, made here from a seed: MNIST **test** digits (never
// the training set) or digits typed in Debian's handwriting fonts, laid out with wide gaps or touching, and sent the
// ways people send them (a PNG of paper, a JPEG photo, a transparent canvas).
import sharp from 'sharp';
import { createRng } from '../model/random.js';
import type { Box } from '../imaging/box.js';
import { resample } from '../imaging/resample.js';
import type { Split } from './mnist-split.js';
import { shadowedPhotoJpeg } from './shadowed-photo.js';

/** White-on-black ink (0..255), cropped to its ink. */
export interface Glyph {
  data: Uint8Array;
  width: number;
  height: number;
  label: number;
}

/** A number laid out as ink, with the true text and each digit's box. */
export interface Number_ {
  ink: Uint8Array;
  width: number;
  height: number;
  text: string;
  boxes: Box[];
}

export type Rng = () => number;
export const seeded = (seed: number): Rng => createRng(seed);
const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const int = (rng: Rng, lo: number, hi: number) => Math.floor(between(rng, lo, hi + 1));

function crop(data: Uint8Array, width: number, height: number, label: number): Glyph {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(data.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
  return { data: out, width: w, height: h, label };
}

/** MNIST test digit i, cropped to its ink. */
export const mnistGlyph = (split: Split, i: number): Glyph => crop(split.images.subarray(i * 784, (i + 1) * 784), 28, 28, split.labels[i]);

/** Scaled by `factor` (MNIST's 20-pixel digits: factor = height ÷ 20). */
function scale(g: Glyph, factor: number): Glyph {
  const width = Math.max(1, Math.round(g.width * factor));
  const height = Math.max(1, Math.round(g.height * factor));
  return { data: resample(g.data, g.width, g.height, width, height), width, height, label: g.label };
}

/** Handwriting fonts from Debian (fonts-dkg-handwriting, fonts-breip, fonts-humor-sans, fonts-bwht, fonts-rufscript). */
export const HANDWRITING_FONTS = [
  'DkgHandwriting',
  'Breip',
  'Humor Sans',
  'Rufscript',
  'Because We Build',
  'Because We Connect',
  'Because We Create',
  'Because We Learn',
  'Because We Mentor',
  'Because We Organize',
] as const;

/** The ten digits of a font, rendered by pango through sharp; undefined when the font is not installed. */
export async function fontGlyphs(font: string): Promise<Glyph[] | undefined> {
  const render = async (family: string, d: number) => {
    const { data, info } = await sharp({ text: { text: `<span font="${family} 64">${d}</span>`, dpi: 72 } })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return crop(new Uint8Array(data), info.width, info.height, d);
  };
  const glyphs = await Promise.all(Array.from({ length: 10 }, (_, d) => render(font, d)));
  // pango draws a missing font's text in its fallback font: then the glyphs are the fallback's.
  const fallback = await render('No Such Font For Lenet', 0);
  const [first] = glyphs;
  const same = fallback.width === first.width && fallback.height === first.height && fallback.data.every((v, i) => v === first.data[i]);
  return same ? undefined : glyphs;
}

export interface Layout {
  /** Digits in the number. */
  digits: number;
  /** Digit height in pixels. */
  height: number;
  /** Space between neighbouring digits' ink, as a share of the height; negative overlaps. */
  gap: () => number;
}

/** Lays `glyphs` (already chosen) out on one line at `height` pixels. `unit` is the glyph height that maps to it. */
export function compose(glyphs: Glyph[], height: number, gap: () => number, rng: Rng, unit?: number): Number_ {
  const scaled = glyphs.map((g) => scale(g, height / (unit ?? Math.max(...glyphs.map((x) => x.height)))));
  const margin = Math.round(0.4 * height);
  const lineHeight = Math.max(...scaled.map((g) => g.height));
  const rows = lineHeight + 2 * margin + Math.round(0.1 * height);
  const xs: number[] = [];
  let x = margin;
  for (const g of scaled) {
    xs.push(x);
    x += g.width + Math.round(gap() * height);
  }
  const width = Math.max(...scaled.map((g, i) => xs[i] + g.width)) + margin;
  const ink = new Uint8Array(width * rows);
  const boxes: Box[] = [];
  scaled.forEach((g, i) => {
    const top = margin + Math.round((lineHeight - g.height) / 2 + between(rng, -0.04, 0.04) * height);
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        const at = (top + y) * width + xs[i] + x;
        ink[at] = Math.max(ink[at], g.data[y * g.width + x]);
      }
    }
    boxes.push({ x: xs[i], y: top, width: g.width, height: g.height });
  });
  return { ink, width, height: rows, text: glyphs.map((g) => g.label).join(''), boxes };
}

/** Dark ink on white paper, as a greyscale PNG. */
export const paperPng = (n: Number_) =>
  sharp(Buffer.from(n.ink.map((v) => 255 - v)), { raw: { width: n.width, height: n.height, channels: 1 } })
    .png()
    .toBuffer();

/** White strokes on a transparent canvas (RGBA PNG), as a browser canvas exports them. */
export function canvasPng(n: Number_): Promise<Buffer> {
  const rgba = new Uint8Array(n.width * n.height * 4);
  n.ink.forEach((v, i) => rgba.set([255, 255, 255, v], 4 * i));
  return sharp(Buffer.from(rgba), { raw: { width: n.width, height: n.height, channels: 4 } })
    .png()
    .toBuffer();
}

/** A phone photo of the paper: off-white paper, light falling off across it, grain, rotated ±6°, blurred, JPEG. */
export function photoJpeg(n: Number_, rng: Rng): Promise<Buffer> {
  const paper = between(rng, 215, 245);
  const inkLevel = between(rng, 20, 60);
  const fall = between(rng, 0.2, 0.4);
  const angle = between(rng, 0, 2 * Math.PI);
  const [cx, cy] = [Math.cos(angle), Math.sin(angle)];
  const rgb = new Uint8Array(n.width * n.height * 3);
  for (let y = 0; y < n.height; y++) {
    for (let x = 0; x < n.width; x++) {
      const i = y * n.width + x;
      const light = 1 - fall * (0.5 + 0.5 * ((x / n.width - 0.5) * cx + (y / n.height - 0.5) * cy) * 1.4);
      const v = (paper - ((paper - inkLevel) * n.ink[i]) / 255) * light + (rng() - 0.5) * 12;
      const g = Math.max(0, Math.min(255, Math.round(v)));
      rgb.set([g, Math.max(0, g - 4), Math.max(0, g - 10)], 3 * i); // a little warm, as indoor light is
    }
  }
  const shade = paper * (1 - fall / 2);
  return sharp(Buffer.from(rgb), { raw: { width: n.width, height: n.height, channels: 3 } })
    .rotate(between(rng, -6, 6), { background: { r: shade, g: shade - 4, b: shade - 10 } })
    .blur(between(rng, 0.5, 1.2))
    .jpeg({ quality: int(rng, 70, 90) })
    .toBuffer();
}

export type SetName = 'wide' | 'touching' | 'photos' | 'shadows' | 'canvas' | 'fonts';

export interface Sample {
  number: Number_;
  picture: Buffer;
  type: 'image/png' | 'image/jpeg';
  /** Which of makeSet's `fonts` typed it (the fonts set only). */
  font?: number;
}

/**
 * `count` pictures of one set, the same for the same seed. wide: 3–9 MNIST digits, gaps of 0.3–1 digit height;
 * touching: 5 MNIST digits whose ink boxes overlap by 0–4 pixels; photos: the wide set as JPEG photos; shadows: the wide
 * set as phone photos under a lamp with a soft shadow across them (shadowed-photo.ts); canvas: 3–7 MNIST digits, white
 * on transparent, gaps of 0.15–0.6; fonts: 3–9 digits in a handwriting font, wide gaps.
 */
export async function makeSet(name: SetName, count: number, seed: number, mnist: Split, fonts: Glyph[][] = []): Promise<Sample[]> {
  const rng = seeded(seed);
  const samples: Sample[] = [];
  const pick = (n: number) => Array.from({ length: n }, () => mnistGlyph(mnist, int(rng, 0, mnist.count - 1)));
  for (let s = 0; s < count; s++) {
    const height = int(rng, 28, 64);
    let number: Number_;
    let typedIn: number | undefined;
    if (name === 'touching') {
      number = compose(pick(5), height, () => -int(rng, 0, 4) / height, rng, 20);
    } else if (name === 'canvas') {
      number = compose(pick(int(rng, 3, 7)), height, () => between(rng, 0.15, 0.6), rng, 20);
    } else if (name === 'fonts') {
      if (fonts.length === 0) throw new Error('no handwriting fonts installed');
      typedIn = s % fonts.length;
      const font = fonts[typedIn];
      const digits = Array.from({ length: int(rng, 3, 9) }, () => font[int(rng, 0, 9)]);
      number = compose(digits, height, () => between(rng, 0.3, 1), rng, Math.max(...font.map((g) => g.height)));
    } else {
      number = compose(pick(int(rng, 3, 9)), height, () => between(rng, 0.3, 1), rng, 20);
    }
    if (name === 'photos') samples.push({ number, picture: await photoJpeg(number, rng), type: 'image/jpeg' });
    else if (name === 'shadows') samples.push({ number, picture: await shadowedPhotoJpeg(number, rng), type: 'image/jpeg' });
    else if (name === 'canvas') samples.push({ number, picture: await canvasPng(number), type: 'image/png' });
    else samples.push({ number, picture: await paperPng(number), type: 'image/png', ...(typedIn === undefined ? {} : { font: typedIn }) });
  }
  return samples;
}

/** Whole-string accuracy, and character accuracy as 1 − (edit distance ÷ length of the truth), summed over the set. */
export function score(pairs: Array<{ truth: string; read: string }>): { strings: number; characters: number } {
  let errors = 0;
  let length = 0;
  for (const { truth, read } of pairs) {
    errors += editDistance(truth, read);
    length += truth.length;
  }
  return { strings: pairs.filter((p) => p.truth === p.read).length / pairs.length, characters: 1 - errors / length };
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[b.length];
}
