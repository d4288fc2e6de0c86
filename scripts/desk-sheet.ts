// `tsx scripts/desk-sheet.ts --out desk.png [--seed 3680] [--count 4]`: what src/imaging/sheet.ts does to a sheet
// photographed on a desk, to look at rather than read: for the first crosscheck `photo` pictures where it finds a desk,
// the picture, the picture with the desk filled with the sheet's light, and the line's ink that the readers are given
// (inkPage; white is ink) — which, without the fill, was the whole sheet, or the desk read as paper.
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { inkPage } from '../src/imaging/ink-page.js';
import { withoutDesk } from '../src/imaging/sheet.js';
import { crosscheckSample } from '../src/synth/crosscheck/index.js';
import { validationDigits } from '../src/train/line-validation.js';
import { loadMnist } from '../src/train/mnist.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, seed: { type: 'string', default: '3680' }, count: { type: 'string', default: '4' } },
});
if (!values.out) throw new Error('desk-sheet: --out PATH is required');
const [seed, count] = [Number(values.seed), Number(values.count)];
const digits = validationDigits(loadMnist().train);

const [CELL_W, CELL_H, GAP, CAPTION] = [360, 200, 8, 24];
const label = (text: string) =>
  sharp({ text: { text: `<span foreground="#222">${text}</span>`, font: 'sans 15', dpi: 72, rgba: true } })
    .png()
    .toBuffer();
const cell = (input: Buffer, raw?: { width: number; height: number; channels: 1 }) =>
  sharp(input, raw ? { raw } : {})
    .resize({ width: CELL_W, height: CELL_H, fit: 'contain', background: '#808080' })
    .flatten({ background: '#808080' })
    .png()
    .toBuffer();

const layers: OverlayOptions[] = [];
const titles = ['the picture', 'the desk filled (src/imaging/sheet.ts)', "the line's ink the readers get"];
for (const [k, title] of titles.entries()) layers.push({ input: await label(title), left: k * (CELL_W + GAP) + 4, top: 2 });
let found = 0;
for (let index = 0; found < count && index < 300; index++) {
  const sample = await crosscheckSample('photo', index, seed, digits);
  const { grey } = await decodeForReading(sample.picture, 25_000_000);
  const filled = withoutDesk(grey);
  if (filled === grey) continue;
  const page = inkPage(grey);
  const top = CAPTION + found * (CELL_H + GAP);
  const images = [
    await cell(sample.picture),
    await cell(Buffer.from(filled.data), { width: grey.width, height: grey.height, channels: 1 }),
    await cell(Buffer.from(page.data), { width: page.width, height: page.height, channels: 1 }),
  ];
  for (const [k, input] of images.entries()) layers.push({ input, left: k * (CELL_W + GAP), top });
  found++;
}
const [width, height] = [3 * CELL_W + 2 * GAP, CAPTION + found * (CELL_H + GAP)];
await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
  .composite(layers)
  .png({ palette: true })
  .toFile(values.out);
console.log(`${values.out}: ${found} photos of a sheet on a desk (crosscheck photo, seed ${seed})`);
