// `tsx scripts/font-digits.ts [--role validation|spare|held-out] [--fonts A,B] [--writers] [MODEL.onnx ...]`: single
// digits typed in one role's handwriting fonts (src/synth/font-digits.ts; docs/contracts.md's split by font), regular and
// bold, black on white PNGs, through /predict's preprocessing in process, classified by each model given (default
// models/lenet.onnx): accuracy, per font, the commonest confusions, and a sha256 of the model inputs (the same at two
// commits exactly when their preprocessing is). --role validation (the default) reads the 8 training fonts, the only
// ones a choice may look at (--fonts: a fold of them); spare, a font in neither list; held-out, the 11 held-out fonts,
// for the report after the rule in docs/performance.md was fixed. --writers adds other writers' digits: MNIST
// train[55000:60000] (held out from every recipe's training, unseen writers; docs/performance.md), sent as dark ink on
// white 28×28 PNGs the same way.
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { Preprocessor } from '../src/imaging/index.js';
import { batchShape, INPUT_NAME, PROBABILITIES, PIXELS } from '../src/model/input-contract.js';
import { fontDigitSet, type FontRole } from '../src/synth/font-digits.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { loadMnist } from '../src/train/mnist.js';

const WRITERS_FROM = 55_000;
const BATCH = 256;

const { values, positionals } = parseArgs({
  options: {
    role: { type: 'string', default: 'validation' },
    writers: { type: 'boolean', default: false },
    fonts: { type: 'string' },
  },
  allowPositionals: true,
});
if (!['validation', 'spare', 'held-out'].includes(values.role!))
  throw new Error(`--role: validation, spare or held-out, not ${values.role}`);
const role = values.role as FontRole;

interface Item {
  tensor: Float32Array;
  label: number;
  font: string;
  bold: boolean;
}

const preprocessor = new Preprocessor({ maxPixels: 25_000_000, threads: 0, inlineMaxPixels: Infinity, maxQueue: 1 });
const hash = createHash('sha256');
const fonts: Item[] = [];
// --fonts A,B: only these of the role's fonts (a fold of the training fonts, when choosing a recipe).
const only = values.fonts?.split(',');
for (const digit of await fontDigitSet(role, { bold: true })) {
  if (only && !only.includes(digit.font)) continue;
  const { pixels, tensor } = await preprocessor.run(digit.png);
  hash.update(pixels);
  fonts.push({ tensor, label: digit.label, font: digit.font, bold: digit.bold });
}
const writers: Item[] = [];
if (values.writers) {
  const { train } = loadMnist();
  for (let i = WRITERS_FROM; i < train.count; i++) {
    const { tensor } = await preprocessor.run(await variants.inverted(train, i));
    writers.push({ tensor, label: train.labels[i], font: 'mnist', bold: false });
  }
}
await preprocessor.close();
console.log(`${role} fonts: ${fonts.length} digits; model inputs sha256 ${hash.digest('hex').slice(0, 16)}`);

/** The model's answer for every item, in batches. */
async function answers(session: ort.InferenceSession, items: Item[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    const part = items.slice(i, i + BATCH);
    const input = new Float32Array(part.length * PIXELS);
    part.forEach((item, k) => input.set(item.tensor, k * PIXELS));
    const result = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, batchShape(part.length)) }, [PROBABILITIES]);
    const p = result[PROBABILITIES].data as Float32Array;
    for (let k = 0; k < part.length; k++) {
      const row = Array.from(p.subarray(k * 10, (k + 1) * 10));
      out.push(row.indexOf(Math.max(...row)));
    }
  }
  return out;
}

const pct = (right: number, n: number) => `${((100 * right) / n).toFixed(2)} % (${right}/${n})`;

for (const file of positionals.length > 0 ? positionals : ['models/lenet.onnx']) {
  const session = await ort.InferenceSession.create(file);
  const got = await answers(session, fonts);
  console.log(`${file}:`);
  for (const bold of [false, true]) {
    const confusions = new Map<string, number>();
    const perFont = new Map<string, number>();
    let [right, n] = [0, 0];
    fonts.forEach(({ label, font, bold: b }, i) => {
      if (b !== bold) return;
      n++;
      if (got[i] === label) {
        right++;
        perFont.set(font, (perFont.get(font) ?? 0) + 1);
      } else confusions.set(`${label}→${got[i]}`, (confusions.get(`${label}→${got[i]}`) ?? 0) + 1);
    });
    const commonest = [...confusions].sort((a, b) => b[1] - a[1]).slice(0, 6);
    const names = [...new Set(fonts.map((f) => f.font))];
    console.log(`  ${role} fonts, ${bold ? 'bold' : 'regular'}: ${pct(right, n)}; ${commonest.map(([k, c]) => `${k} ×${c}`).join(', ')}`);
    console.log(`    per font: ${names.map((f) => `${f} ${perFont.get(f) ?? 0}/${n / names.length}`).join(', ')}`);
  }
  if (writers.length > 0) {
    const w = await answers(session, writers);
    console.log(
      `  other writers (MNIST train[55000:60000] via /predict): ${pct(w.filter((d, i) => d === writers[i].label).length, writers.length)}`,
    );
  }
  await session.release();
}
