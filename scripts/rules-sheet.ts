// `tsx scripts/rules-sheet.ts --out sheet.png [--seed 3680] [--count 4]`: what src/imaging/rules.ts does to numbers on
// ruled and squared paper, to look at rather than read: for the first crosscheck `spaced` pictures whose page shows
// printed rules, the picture, its ink after even light, and the same ink with the rules erased (white is ink).
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { evenLight } from '../src/imaging/ink-page.js';
import { toInk } from '../src/imaging/mnist-normalise.js';
import { withoutRules } from '../src/imaging/rules.js';
import { crosscheckSample } from '../src/synth/crosscheck/index.js';
import { validationDigits } from '../src/train/line-validation.js';
import { loadMnist } from '../src/train/mnist.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, seed: { type: 'string', default: '3680' }, count: { type: 'string', default: '4' } },
});
if (!values.out) throw new Error('rules-sheet: --out PATH is required');
const [seed, count] = [Number(values.seed), Number(values.count)];
const digits = validationDigits(loadMnist().train);

const [CELL_W, CELL_H, GAP, CAPTION] = [360, 140, 8, 24];
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
const titles = ['the picture', 'its ink after even light', 'rules erased (src/imaging/rules.ts)'];
for (const [k, title] of titles.entries()) layers.push({ input: await label(title), left: k * (CELL_W + GAP) + 4, top: 2 });
let found = 0;
for (let index = 0; found < count && index < 500; index++) {
  const sample = await crosscheckSample('spaced', index, seed, digits);
  const { grey } = await decodeForReading(sample.picture, 25_000_000);
  const ink = evenLight(toInk(grey));
  const before = Buffer.from(ink.data);
  if (withoutRules(ink).data.every((v, i) => v === before[i])) continue;
  const raw = { width: ink.width, height: ink.height, channels: 1 as const };
  const top = CAPTION + found * (CELL_H + GAP);
  const images = [await cell(sample.picture), await cell(before, raw), await cell(Buffer.from(ink.data), raw)];
  for (const [k, input] of images.entries()) layers.push({ input, left: k * (CELL_W + GAP), top });
  found++;
}
const [width, height] = [3 * CELL_W + 2 * GAP, CAPTION + found * (CELL_H + GAP)];
await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
  .composite(layers)
  .png()
  .toFile(values.out);
console.log(`${values.out}: ${found} pictures on ruled or squared paper (crosscheck spaced, seed ${seed})`);
