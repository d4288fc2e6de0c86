// `tsx scripts/line-samples.ts [out.png] [count] [seed] [recipe]`: a sheet of training lines as the line model sees them
// (after the imaging steps and normaliseLine), each with its label, to look at what the training composer makes; a
// recipe (src/train/line-recipe.ts) draws its own writers and font share, without its extra fonts.
import sharp from 'sharp';
import { loadMnist } from '../src/train/mnist.js';
import { trainingFontDigits } from '../src/train/lines/glyphs.js';
import { trainingLine } from '../src/train/lines/training-line.js';
import { createRng } from '../src/model/random.js';
import { LINE_RECIPES, writerHabits } from '../src/train/line-recipe.js';

const [out = 'line-samples.png', countArg = '40', seedArg = '1', recipeName] = process.argv.slice(2);
const recipe = recipeName === undefined ? undefined : LINE_RECIPES[recipeName as keyof typeof LINE_RECIPES];
if (recipeName !== undefined && !recipe) throw new Error(`no line recipe ${recipeName}: ${Object.keys(LINE_RECIPES).join(', ')}`);
const count = Number(countArg);
const mnist = loadMnist().train;
const fonts = await trainingFontDigits();
const rng = createRng(Number(seedArg));
const started = performance.now();
const lines = [];
while (lines.length < count) {
  const line = await trainingLine({ mnist, fonts, fontShare: recipe?.fontShare ?? 0.25, habits: recipe ? writerHabits(recipe) : {} }, rng);
  if (line) lines.push(line);
}
const ms = performance.now() - started;
const width = Math.max(...lines.map((l) => l.line.width));
const sheet = new Uint8Array(width * 30 * count).fill(40);
lines.forEach(({ line }, i) => {
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < line.width; x++) sheet[(i * 30 + y) * width + x] = Math.round(line.data[y * line.width + x] * 255);
});
await sharp(Buffer.from(sheet), { raw: { width, height: 30 * count, channels: 1 } })
  .png()
  .toFile(out);
console.log(lines.map((l, i) => `${i}: ${l.label.join('')} (W ${l.line.width})`).join('\n'));
console.log(`${count} lines in ${ms.toFixed(0)} ms (${((1000 * count) / ms).toFixed(0)} lines/s), ${fonts.length} fonts`);
