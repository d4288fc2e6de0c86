// `tsx scripts/dump-read-failures.ts [OUT_DIR]`: the numbers /read gets wrong in one of bench:read's sets, each drawn as
// a PNG in OUT_DIR (default: lenet-read-failures in the temporary folder; 3× up, ink grey) with the true digits' boxes
// (green), every candidate's left edge (red ticks at the top) and the boxes the reader picked (blue), and one line per
// failure saying why: "missing" when some true digit has no candidate within 3 pixels of its box, "classifier" when
// every digit has one but one of them reads wrong, "path" when all those read right yet another path won. For finding
// what to change in the reader, not a test. READ_REFINE=0 reads without the second look (the gap cuts).
// READ_SET (default touching), READ_SAMPLES (default 200), READ_SEED (default 777), READ_MODEL (the committed model).
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { argmax } from '../src/model/lenet.js';
import { toModelInput } from '../src/model/input-contract.js';
import { loadModel, runEach } from '../src/server/model.js';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { classifyCandidates, type ClassifyAll } from '../src/reader/index.js';
import { segmentNumber } from '../src/reader/segmentation.js';
import { loadMnist } from '../src/train/mnist.js';
import { fontGlyphs, HANDWRITING_FONTS, makeSet, type SetName } from '../src/synth/numbers.js';

const SET = (process.env.READ_SET ?? 'touching') as SetName;
const SAMPLES = Number(process.env.READ_SAMPLES ?? 200);
const SEED = Number(process.env.READ_SEED ?? 777);
const out = process.argv[2] ?? path.join(tmpdir(), 'lenet-read-failures');
mkdirSync(out, { recursive: true });

const { test: mnist } = loadMnist();
const fonts = SET === 'fonts' ? (await Promise.all(HANDWRITING_FONTS.map(fontGlyphs))).filter((g) => g !== undefined) : [];
const samples = await makeSet(SET, SAMPLES, SEED, mnist, fonts);
const model = await loadModel(process.env.READ_MODEL ?? 'models/lenet.onnx', 'cpu', 1);
const classify: ClassifyAll = async (tensors) => ({ probabilities: await runEach(model, tensors), temperature: 1 });
const tally = new Map<string, number>();
let candidates = 0;
for (const [n, s] of samples.entries()) {
  const { grey, scale } = await decodeForReading(s.picture, 25_000_000);
  const seg = segmentNumber(grey);
  // Every batch refine asks for, read as readNumber reads them (runEach gives Float32Arrays); the first alone with READ_REFINE=0.
  const probs = (
    process.env.READ_REFINE === '0'
      ? await classify(seg.candidates.map((c) => toModelInput(c.pixels)))
      : await classifyCandidates(seg, classify)
  ).probabilities as Float32Array[];
  candidates += seg.candidates.length;
  const picked = seg.pick(probs);
  const text = picked.map((i) => argmax(probs[i])).join('');
  if (text === s.number.text) continue;
  const near = (a: number, b: number) => Math.abs(a - b) <= 3;
  const match = s.number.boxes.map((t) =>
    seg.candidates.findIndex((c) => near(c.box.x * scale, t.x) && near((c.box.x + c.box.width) * scale, t.x + t.width)),
  );
  const why = match.includes(-1) ? 'missing' : match.every((m, d) => argmax(probs[m]) === Number(s.number.text[d])) ? 'path' : 'classifier';
  tally.set(why, (tally.get(why) ?? 0) + 1);
  const detail = match.map((m, d) =>
    m < 0 ? `${s.number.text[d]}:-` : `${s.number.text[d]}:${argmax(probs[m])}@${Math.max(...probs[m]).toFixed(2)}`,
  );
  const sure = picked.map((i) => Math.max(...probs[i]).toFixed(2)).join(' ');
  console.log(
    `${String(n).padStart(4)} ${s.number.text} read ${text.padEnd(7)} ${why.padEnd(10)} ${detail.join(' ')}  (picked at ${sure})`,
  );
  await drawFailure(`${out}/${String(n).padStart(4, '0')}-${why}.png`, s.number, seg.candidates, picked, scale);
}
console.log(
  `${SET}, seed ${SEED}: ${SAMPLES} pictures, ${[...tally.values()].reduce((a, b) => a + b, 0)} wrong`,
  Object.fromEntries(tally),
);
console.log(`candidates per read: ${(candidates / SAMPLES).toFixed(2)}`);
await model.release();

type Rect = { x: number; y: number; width: number; height: number };
async function drawFailure(
  file: string,
  n: { ink: Uint8Array; width: number; height: number; boxes: Rect[] },
  cands: Array<{ box: Rect }>,
  picked: number[],
  scale: number,
) {
  const Z = 3;
  const [W, H] = [n.width * Z, n.height * Z];
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      rgb.fill(255 - Math.round(0.7 * n.ink[Math.floor(y / Z) * n.width + Math.floor(x / Z)]), 3 * (y * W + x), 3 * (y * W + x) + 3);
  const dot = (x: number, y: number, c: number[]) => {
    if (x >= 0 && y >= 0 && x < W && y < H) rgb.set(c, 3 * (y * W + x));
  };
  const rect = (r: Rect, c: number[], inset: number) => {
    const [x0, y0, x1, y1] = [r.x * Z + inset, r.y * Z + inset, (r.x + r.width) * Z - 1 - inset, (r.y + r.height) * Z - 1 - inset];
    for (let x = x0; x <= x1; x++) {
      dot(x, y0, c);
      dot(x, y1, c);
    }
    for (let y = y0; y <= y1; y++) {
      dot(x0, y, c);
      dot(x1, y, c);
    }
  };
  for (const b of n.boxes) rect(b, [0, 170, 0], 0);
  for (const i of picked) rect({ ...cands[i].box, x: cands[i].box.x * scale, y: cands[i].box.y * scale }, [0, 0, 255], 2);
  for (const c of cands) for (let y = 0; y < 12; y++) dot(Math.round(c.box.x * scale * Z), y, [255, 0, 0]);
  await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
}
