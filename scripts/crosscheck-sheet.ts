// `tsx scripts/crosscheck-sheet.ts --out sheet.png [--per 6] [--seed 1]`: a contact sheet of the crosscheck composer's
// sets, a labelled row per set, each picture with its text, to look at whether they read as real handwritten numbers.
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { CROSSCHECK_SETS, crosscheckSet } from '../src/synth/crosscheck/index.js';
import { loadMnist } from '../src/train/mnist.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, per: { type: 'string', default: '6' }, seed: { type: 'string', default: '1' } },
});
if (!values.out) throw new Error('crosscheck-sheet: --out PATH is required');
const per = Number(values.per);
const seed = Number(values.seed);
const { train } = loadMnist();
const digits = { images: train.images.subarray(55000 * 784), labels: train.labels.subarray(55000), count: train.count - 55000 };

const CELL_W = 520;
const CELL_H = 150;
const CAPTION = 22;
const TITLE = 110;
const SHEET_W = TITLE + 3 * CELL_W;
const rowsPerSet = Math.ceil(per / 3);
const SHEET_H = CROSSCHECK_SETS.length * rowsPerSet * (CELL_H + CAPTION + 8);

const label = (text: string, size: number) =>
  sharp({ text: { text: `<span foreground="#222">${text}</span>`, font: `sans ${size}`, dpi: 72, rgba: true } })
    .png()
    .toBuffer();

const layers: OverlayOptions[] = [];
let y = 0;
const started = performance.now();
for (const set of CROSSCHECK_SETS) {
  const samples = await crosscheckSet(set, per, seed, digits);
  layers.push({ input: await label(set, 20), left: 6, top: y + 8 });
  for (const [k, s] of samples.entries()) {
    const col = k % 3;
    const row = Math.floor(k / 3);
    const left = TITLE + col * CELL_W;
    const top = y + row * (CELL_H + CAPTION + 8);
    const meta = await sharp(s.picture).metadata();
    // Transparent canvas pixels show on a checkerboard-free light grey, so the alpha is visible as the ground.
    const fitted = await sharp(s.picture)
      .flatten({ background: '#d8d8d8' })
      .resize({ width: CELL_W - 10, height: CELL_H, fit: 'inside' })
      .png()
      .toBuffer();
    layers.push({ input: fitted, left, top });
    const caption = `${s.text}  ${meta.width}×${meta.height} ${meta.format}${meta.hasAlpha ? ' rgba' : ''}${s.font ? `  ${s.font}` : ''}`;
    layers.push({ input: await label(caption, 13), left, top: top + CELL_H + 2 });
  }
  y += rowsPerSet * (CELL_H + CAPTION + 8);
}
const ms = performance.now() - started;
await sharp({ create: { width: SHEET_W, height: SHEET_H, channels: 3, background: '#f0f0f0' } })
  .composite(layers)
  .png()
  .toFile(values.out);
console.log(`${values.out}: ${per} a set, composed in ${Math.round(ms)} ms`);
