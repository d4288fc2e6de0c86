// `tsx scripts/font-digits.ts [MODEL.onnx ...]`: single digits typed in every handwriting font installed here (20 of
// Debian's; 3 sizes, black on white PNG), through /predict's preprocessing in process, classified by each model given
// (default models/lenet.onnx): accuracy, the commonest confusions, and a sha256 of the model inputs, which is the same
// at two commits exactly when their preprocessing is. Held apart from every set the reader or trainer was tuned on.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Preprocessor } from '../src/imaging/index.js';
import { batchShape, INPUT_NAME, PROBABILITIES } from '../src/model/input-contract.js';

const FONTS = [
  ...['DkgHandwriting', 'Breip', 'Humor Sans', 'Rufscript', 'Delphine', 'Joscelyn', 'Klee One', 'Leckerli One'],
  ...['SetoFont', 'Steve', 'YOzAF', 'Yusei Magic', 'femkeklaver', 'kiloji'],
  ...['Build', 'Connect', 'Create', 'Learn', 'Mentor', 'Organize'].map((w) => `Because We ${w}`),
];
const SIZES = [36, 72, 144];

/** Digit d typed in `font` at `size` px, black on white with a third of its size as margin. */
async function typed(font: string, size: number, d: number): Promise<Buffer> {
  const text = await sharp({ text: { text: `<span font="${font} ${size}">${d}</span>`, dpi: 72 } })
    .greyscale()
    .png()
    .toBuffer();
  const { width = 1, height = 1 } = await sharp(text).metadata();
  const pad = Math.round(size / 3);
  const ink = await sharp(text).negate().png().toBuffer();
  return sharp({ create: { width: width + 2 * pad, height: height + 2 * pad, channels: 3, background: '#ffffff' } })
    .composite([{ input: ink, left: pad, top: pad, blend: 'multiply' }])
    .png()
    .toBuffer();
}

const preprocessor = new Preprocessor({ maxPixels: 25_000_000, threads: 0, inlineMaxPixels: Infinity, maxQueue: 1 });
const inputs: Array<{ tensor: Float32Array; label: number }> = [];
const hash = createHash('sha256');
for (const font of FONTS) {
  for (const size of SIZES) {
    for (let d = 0; d < 10; d++) {
      const { pixels, tensor } = await preprocessor.run(await typed(font, size, d));
      hash.update(pixels);
      inputs.push({ tensor, label: d });
    }
  }
}
console.log(`${inputs.length} digits in ${FONTS.length} fonts; model inputs sha256 ${hash.digest('hex').slice(0, 16)}`);
for (const file of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['models/lenet.onnx']) {
  const session = await ort.InferenceSession.create(file);
  const confusions = new Map<string, number>();
  let right = 0;
  for (const { tensor, label } of inputs) {
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', tensor, batchShape(1)) }, [PROBABILITIES]);
    const p = Array.from(out[PROBABILITIES].data as Float32Array);
    const digit = p.indexOf(Math.max(...p));
    if (digit === label) right++;
    else confusions.set(`${label}→${digit}`, (confusions.get(`${label}→${digit}`) ?? 0) + 1);
  }
  const commonest = [...confusions].sort((a, b) => b[1] - a[1]).slice(0, 6);
  const share = ((100 * right) / inputs.length).toFixed(1);
  console.log(`${file}: ${share} % (${right}/${inputs.length}); ${commonest.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  await session.release();
}
