// `tsx scripts/desk-sheet.ts --out desk.png [--seed 3680] [--count 4]`: what src/imaging/sheet.ts does to a sheet
// photographed on a desk, to look at rather than read: for the first crosscheck `photo` pictures where it finds a desk,
// the picture, the picture with the desk filled with the sheet's light, and the line's ink that the readers are given
// (inkPage; white is ink) — which, without the fill, was the whole sheet, or the desk read as paper.
import { parseArgs } from 'node:util';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { inkPage } from '../src/imaging/ink-page.js';
import { withoutDesk } from '../src/imaging/sheet.js';
import { crosscheckSample } from '../src/synth/crosscheck/index.js';
import { validationDigits } from '../src/train/line-validation.js';
import { loadMnist } from '../src/train/mnist.js';
import { cell, writeContactSheet } from './contact-sheet.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, seed: { type: 'string', default: '3680' }, count: { type: 'string', default: '4' } },
});
if (!values.out) throw new Error('desk-sheet: --out PATH is required');
const [seed, count] = [Number(values.seed), Number(values.count)];
const digits = validationDigits(loadMnist().train);

const [CELL_W, CELL_H] = [360, 200];
const rows: Buffer[][] = [];
for (let index = 0; rows.length < count && index < 300; index++) {
  const sample = await crosscheckSample('photo', index, seed, digits);
  const { grey } = await decodeForReading(sample.picture, 25_000_000);
  const filled = withoutDesk(grey);
  if (filled === grey) continue;
  const page = inkPage(grey);
  rows.push([
    await cell(sample.picture, CELL_W, CELL_H),
    await cell(Buffer.from(filled.data), CELL_W, CELL_H, { width: grey.width, height: grey.height, channels: 1 }),
    await cell(Buffer.from(page.data), CELL_W, CELL_H, { width: page.width, height: page.height, channels: 1 }),
  ]);
}
const titles = ['the picture', 'the desk filled (src/imaging/sheet.ts)', "the line's ink the readers get"];
await writeContactSheet(values.out, titles, rows, CELL_W, CELL_H);
console.log(`${values.out}: ${rows.length} photos of a sheet on a desk (crosscheck photo, seed ${seed})`);
