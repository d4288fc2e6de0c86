// The `fonts` set: numbers typed in a packaged handwriting font, as a form filled on a computer or a label printed.
import sharp from 'sharp';
import { LINE_PACKAGED_FONTS, packagedFontFile, type LinePackagedFont } from '../packaged-fonts.js';
import { encode } from './encode.js';
import { drawPaper } from './palette.js';
import { clamp, createLayer, MAX_HEIGHT, MAX_WIDTH, resize, rotateLayer, type Layer } from './raster.js';
import type { Rng } from './rng.js';
import { hashKey } from './rng.js';
import { scanFinish } from './paper.js';

/** pango draws a family it cannot find in a fallback face; a family no one has names that face. */
const NO_SUCH_FAMILY = 'Crosscheck No Such Family';
const PROBE = '0123456789';

/** Coverage 0..1 of `text` typed in `family` at `size` px with `spacing` em between letters. */
async function typeText(family: string, file: string, text: string, size: number, spacing: number): Promise<Layer> {
  const letterSpacing = Math.round(spacing * size * 1024);
  const { data, info } = await sharp({
    text: { text: `<span letter_spacing="${letterSpacing}">${text}</span>`, font: `${family} ${size}`, fontfile: file, dpi: 72 },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const layer = createLayer(info.width, info.height);
  for (let i = 0; i < layer.data.length; i++) layer.data[i] = data[i * info.channels] / 255;
  return layer;
}

const checked = new Map<LinePackagedFont, Promise<string>>();

/** The family's TTF, once it is known that pango draws the digits in it rather than in its fallback. */
export function checkedFontFile(family: LinePackagedFont): Promise<string> {
  let check = checked.get(family);
  if (!check) {
    check = (async () => {
      const file = packagedFontFile(family);
      const typed = await typeText(family, file, PROBE, 40, 0);
      const fallback = await typeText(NO_SUCH_FAMILY, file, PROBE, 40, 0);
      const same = typed.width === fallback.width && typed.height === fallback.height && typed.data.every((v, i) => v === fallback.data[i]);
      if (same) throw new Error(`crosscheck: the font "${family}" (${file}) does not render: pango drew its fallback face instead`);
      return file;
    })();
    checked.set(family, check);
  }
  return check;
}

/** Picture `index` takes the fonts in turn from a place fixed by the seed, so every 26 in a row hold each once. */
export function fontFor(seed: number, index: number): LinePackagedFont {
  const start = hashKey('crosscheck-fonts', seed) % LINE_PACKAGED_FONTS.length;
  return LINE_PACKAGED_FONTS[(start + index) % LINE_PACKAGED_FONTS.length];
}

export async function fontPicture(text: string, family: LinePackagedFont, rng: Rng): Promise<Buffer> {
  const file = await checkedFontFile(family);
  const size = Math.round(Math.exp(rng.uniform(Math.log(24), Math.log(120))));
  const spacing = rng.weighted([
    [rng.uniform(-0.06, 0), 25],
    [rng.uniform(0, 0.15), 45],
    [rng.uniform(0.15, 0.5), 30],
  ] as const);
  let ink = await typeText(family, file, text, size, spacing);
  if (rng.chance(0.4)) ink = rotateLayer(ink, rng.normal(0, 0.02));
  const margin = () => Math.round(size * rng.uniform(0.15, 1)) + 2;
  const [left, right, top, bottom] = [margin(), margin(), margin(), margin()];
  const over = Math.max((ink.width + left + right) / MAX_WIDTH, (ink.height + top + bottom) / MAX_HEIGHT);
  if (over > 1) ink = resize(ink, Math.floor(ink.width / over) - 1, Math.floor(ink.height / over) - 1);
  const width = Math.min(MAX_WIDTH, ink.width + left + right);
  const height = Math.min(MAX_HEIGHT, ink.height + top + bottom);
  const paper = rng.chance(0.6) ? ([255, 255, 255] as const) : drawPaper(rng);
  const colour = rng.chance(0.6) ? ([0, 0, 0] as const) : rng.pick([[20, 40, 140] as const, [0, 0, 200] as const, [30, 60, 170] as const]);
  const planes = [0, 1, 2].map((c) => createLayer(width, height, paper[c]));
  for (let y = 0; y < ink.height; y++)
    for (let x = 0; x < ink.width; x++) {
      const xx = x + left;
      const yy = y + top;
      if (xx >= width || yy >= height) continue;
      const a = clamp(ink.data[y * ink.width + x], 0, 1);
      for (let c = 0; c < 3; c++) planes[c].data[yy * width + xx] = paper[c] * (1 - a) + colour[c] * a;
    }
  if (rng.chance(0.4)) {
    // Printed and scanned or photographed: a little softness and grain, and a JPEG.
    scanFinish(planes, rng, rng.uniform(0, 0.8), rng.uniform(0, 3));
    return encode(planes, { kind: 'jpeg', quality: rng.int(70, 95) });
  }
  return encode(planes, { kind: 'png' });
}
