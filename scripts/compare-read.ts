// `tsx scripts/compare-read.ts A.onnx B.onnx …`: how well each model reads whole numbers with today's reader, on the
// same pictures: bench:read's accuracy sets (src/synth/numbers.ts), read in-process by readNumber (what POST /read
// and `predict --read` run), strings and characters right per set and model. For choosing a model: the reader picks
// its cuts by what the classifier is surest of, so a model can read single digits better and numbers worse.
// READ_SAMPLES pictures per set (default 200), READ_SEED (default 2027), READ_SETS (default all five). Each cell also says
// how many candidates a read classified on average (the model's work per read).
import { loadModel, runEach } from '../src/server/model.js';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { readNumber } from '../src/reader/index.js';
import { loadMnist } from '../src/train/mnist.js';
import { fontGlyphs, HANDWRITING_FONTS, makeSet, score, type Sample, type SetName } from '../src/synth/numbers.js';

const SAMPLES = Number(process.env.READ_SAMPLES ?? 200);
const SEED = Number(process.env.READ_SEED ?? 2027);
const SETS = (process.env.READ_SETS ?? 'wide,touching,photos,canvas,fonts').split(',') as SetName[];
const models = process.argv.slice(2);
if (models.length === 0) {
  console.error('usage: tsx scripts/compare-read.ts MODEL.onnx [MODEL.onnx …]   (READ_SAMPLES, READ_SEED, READ_SETS)');
  process.exit(2);
}

const { test: mnist } = loadMnist();
const fonts = (await Promise.all(HANDWRITING_FONTS.map(fontGlyphs))).filter((g) => g !== undefined);
const sets = new Map<SetName, Sample[]>();
for (const name of SETS) if (name !== 'fonts' || fonts.length > 0) sets.set(name, await makeSet(name, SAMPLES, SEED, mnist, fonts));

const pct = (x: number) => `${(100 * x).toFixed(1)} %`.padStart(8);
console.log(`${SAMPLES} pictures per set, seed ${SEED}; strings / characters right, candidates per read\n`);
console.log(`${'set'.padEnd(9)}${models.map((m) => m.padStart(28)).join('')}`);
const rows = new Map<SetName, string[]>();
for (const file of models) {
  const model = await loadModel(file, 'cpu', 1);
  // The temperature only changes the confidences reported, not what is read: 1 here.
  let classified = 0;
  const classify = async (tensors: Float32Array[]) => {
    classified += tensors.length;
    return { probabilities: await runEach(model, tensors), temperature: 1 };
  };
  for (const [name, samples] of sets) {
    const pairs = [];
    classified = 0;
    for (const s of samples) {
      const text = await decodeForReading(s.picture, 25_000_000)
        .then((picture) => readNumber(picture, { classify }))
        .then(
          (r) => r.text,
          () => '',
        );
      pairs.push({ truth: s.number.text, read: text });
    }
    const { strings, characters } = score(pairs);
    const perRead = (classified / samples.length).toFixed(1).padStart(6);
    rows.set(name, [...(rows.get(name) ?? []), `${pct(strings)} ${pct(characters)}${perRead}`.padStart(28)]);
  }
  await model.release();
}
for (const [name, cells] of rows) console.log(`${name.padEnd(9)}${cells.join('')}`);
