// `tsx scripts/rules-sheet.ts --out sheet.png [--seed 3680] [--count 4]`: what src/imaging/rules.ts does to numbers on
// ruled and squared paper, to look at rather than read: for the first crosscheck `spaced` pictures whose page shows
// printed rules, the picture, its ink after even light, and the same ink with the rules erased (white is ink).
import { parseArgs } from 'node:util';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { evenLight } from '../src/imaging/ink-page.js';
import { toInk } from '../src/imaging/mnist-normalise.js';
import { withoutRules } from '../src/imaging/rules.js';
import { crosscheckSample } from '../src/synth/crosscheck/index.js';
import { validationDigits } from '../src/train/line-validation.js';
import { loadMnist } from '../src/train/mnist.js';
import { cell, writeContactSheet } from './contact-sheet.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, seed: { type: 'string', default: '3680' }, count: { type: 'string', default: '4' } },
});
if (!values.out) throw new Error('rules-sheet: --out PATH is required');
const [seed, count] = [Number(values.seed), Number(values.count)];
const digits = validationDigits(loadMnist().train);

const [CELL_W, CELL_H] = [360, 140];
const rows: Buffer[][] = [];
for (let index = 0; rows.length < count && index < 500; index++) {
  const sample = await crosscheckSample('spaced', index, seed, digits);
  const { grey } = await decodeForReading(sample.picture, 25_000_000);
  const ink = evenLight(toInk(grey));
  const before = Buffer.from(ink.data);
  if (withoutRules(ink).data.every((v, i) => v === before[i])) continue;
  const raw = { width: ink.width, height: ink.height, channels: 1 as const };
  rows.push([
    await cell(sample.picture, CELL_W, CELL_H),
    await cell(before, CELL_W, CELL_H, raw),
    await cell(Buffer.from(ink.data), CELL_W, CELL_H, raw),
  ]);
}
const titles = ['the picture', 'its ink after even light', 'rules erased (src/imaging/rules.ts)'];
await writeContactSheet(values.out, titles, rows, CELL_W, CELL_H);
console.log(`${values.out}: ${rows.length} pictures on ruled or squared paper (crosscheck spaced, seed ${seed})`);
