// Numbers typed in the held-out handwriting fonts (docs/contracts.md: never trained or tuned on), the whole string set by
// pango in one run, so the font's own spacing and kerning stand, with each digit's size, rise and spacing varied
// through pango markup as a hand varies them.
import sharp from 'sharp';
import type { Draw } from './draw.js';
import { cropInk, type Ink } from './glyph.js';
import type { Line } from './layout.js';

/** The held-out fonts, by fontconfig family (the data roles in docs/contracts.md). */
export const HELD_OUT_FONTS = [
  'Because We Connect',
  'Because We Learn',
  'Because We Organize',
  'DkgHandwriting',
  'Rufscript',
  'Joscelyn',
  'Leckerli One',
  'SetoFont',
  'Delphine',
  'Yusei Magic',
  'femkeklaver',
] as const;

/** Where they come from, for the error when one is missing. */
const PACKAGES =
  'fonts-bwht fonts-dkg-handwriting fonts-rufscript fonts-joscelyn fonts-leckerli-one fonts-seto fonts-sjfonts fonts-yusei-magic fonts-femkeklaver';

async function render(markup: string): Promise<Ink> {
  const { data, info } = await sharp({ text: { text: markup, dpi: 72 } })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

const sameInk = (a: Ink, b: Ink) => a.width === b.width && a.height === b.height && a.data.every((v, i) => v === b.data[i]);

/** Fails naming the fonts pango does not have (it would silently draw them in its fallback font). */
export async function checkHeldOutFonts(): Promise<void> {
  const sample = (family: string) => render(`<span font_family="${family}" size="${40 * 1024}">0123456789</span>`);
  const fallback = await sample('No Such Font For Lenet');
  const missing = [];
  for (const font of HELD_OUT_FONTS) if (sameInk(await sample(font), fallback)) missing.push(font);
  if (missing.length > 0) throw new Error(`held-out fonts not installed: ${missing.join(', ')} (apt-get install ${PACKAGES})`);
}

/**
 * `text` in `font`, `points` high: each digit ±8 % in size, raised or lowered by up to 6 % of the size, and the
 * letter spacing of the line from a little tight (−2 % of the size) to wide (35 %). No boxes.
 */
export async function fontLine(text: string, font: string, points: number, draw: Draw): Promise<Line> {
  const spacing = Math.round(draw.uniform(-0.02, 0.35) * points * 1024);
  const digits = [...text].map((d) => {
    const size = Math.round(points * draw.uniform(0.92, 1.08) * 1024);
    const rise = Math.round(draw.gaussian(0.03) * points * 1024);
    return `<span size="${size}" rise="${rise}">${d}</span>`;
  });
  const ink = cropInk(await render(`<span font_family="${font}" letter_spacing="${spacing}">${digits.join('')}</span>`), 1);
  return { ink: { data: ink.data, width: ink.width, height: ink.height }, text };
}
