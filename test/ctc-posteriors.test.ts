// digitPosteriors (one forward-backward pass) against the definition it replaced: for each digit and each of the ten
// classes, the forward sum over the string with that digit changed, normalised over the ten. On the committed line
// model's real scores of pictures from src/synth (every set), for the beam's best string and for strings the model
// finds unlikely (a digit changed to its neighbour's, a digit dropped, a repeat), and at the served temperature.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { readTemperature } from '../src/model/calibration.js';
import { lineFrames } from '../src/model/line.js';
import { beamSearch, BLANK, CLASSES, digitPosteriors, withTemperature, type LineScores } from '../src/reader/ctc-decode.js';
import { LINE_BEAM, prepareLine } from '../src/reader/line-read.js';
import { loadLineModel, type LoadedLineModel } from '../src/server/line-model.js';
import { makeSet, type SetName } from '../src/synth/numbers.js';
import { loadMnist } from '../src/train/mnist.js';

const LINE_MODEL = 'models/line.onnx';

/** The definition: log P(labels | line) by CTC's forward sum in the log domain, one string at a time. */
function logP({ data, frames }: LineScores, labels: readonly number[]): number {
  const S = 2 * labels.length + 1;
  const symbol = (s: number) => (s % 2 === 0 ? BLANK : labels[(s - 1) / 2]);
  const add = (a: number, b: number) =>
    a === -Infinity ? b : b === -Infinity ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
  let alpha = new Array<number>(S).fill(-Infinity);
  alpha[0] = data[BLANK];
  if (S > 1) alpha[1] = data[symbol(1)];
  for (let t = 1; t < frames; t++) {
    alpha = alpha.map((_, s) => {
      let a = alpha[s];
      if (s > 0) a = add(a, alpha[s - 1]);
      if (s > 1 && s % 2 === 1 && symbol(s) !== symbol(s - 2)) a = add(a, alpha[s - 2]);
      return a + data[t * CLASSES + symbol(s)];
    });
  }
  return S > 1 ? add(alpha[S - 1], alpha[S - 2]) : alpha[0];
}

const replaced = (labels: readonly number[], i: number, d: number) => labels.map((l, j) => (j === i ? d : l));

/** Ten strings a digit: P(labels with digit i replaced by d), normalised over d. */
function slowPosteriors(scores: LineScores, labels: readonly number[]): number[][] {
  return labels.map((_, i) => {
    const logs = Array.from({ length: BLANK }, (_, d) => logP(scores, replaced(labels, i, d)));
    const max = Math.max(...logs);
    const exp = logs.map((l) => Math.exp(l - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return exp.map((e) => e / sum);
  });
}

let model: LoadedLineModel;
before(async () => {
  model = await loadLineModel(LINE_MODEL, 'cpu', 1);
});
after(() => model.release());

describe('digitPosteriors', () => {
  it('equals ten forward sums a digit on the line model’s scores of real pictures', async () => {
    const { test } = loadMnist();
    const temperature = readTemperature(LINE_MODEL, model.info.sha256);
    const sets: SetName[] = ['wide', 'touching', 'photos', 'shadows', 'canvas'];
    let compared = 0;
    let worst = 0;
    for (const [k, set] of sets.entries()) {
      for (const sample of await makeSet(set, 4, 3600 + k, test)) {
        const prepared = prepareLine((await decodeForReading(sample.picture, 40_000_000)).grey);
        const raw = { data: await model.run(prepared.line.data, 1, prepared.line.width), frames: lineFrames(prepared.line.width) };
        for (const scores of [raw, withTemperature(raw, temperature)]) {
          const [best] = beamSearch(scores, LINE_BEAM);
          const labels = best.labels;
          const unlikely = [
            labels.length > 1 ? replaced(labels, 0, labels[1]) : [(labels[0] + 1) % 10],
            labels.slice(1),
            [...labels, labels.at(-1)!],
          ].filter((l) => l.length > 0 && l.length <= scores.frames);
          for (const l of [labels, ...unlikely]) {
            const fast = digitPosteriors(scores, l);
            const slow = slowPosteriors(scores, l);
            assert.equal(fast.length, l.length);
            fast.forEach((row, i) =>
              row.forEach((x, d) => {
                worst = Math.max(worst, Math.abs(x - slow[i][d]));
                assert.ok(Math.abs(x - slow[i][d]) <= 1e-9, `${set} '${l.join('')}' digit ${i} class ${d}: ${x} against ${slow[i][d]}`);
              }),
            );
            compared++;
          }
        }
      }
    }
    assert.ok(compared >= 4 * sets.length * 2 * 2, `${compared} strings compared`);
    assert.ok(worst < 1e-9, String(worst));
  });

  it('gives each digit its own class where the string cannot be read from the scores at all', () => {
    const frames = 2;
    const data = new Float32Array(frames * CLASSES).fill(Math.log(0.1));
    assert.deepEqual(
      digitPosteriors({ data, frames }, [1, 2, 3]),
      [1, 2, 3].map((l) => Array.from({ length: 10 }, (_, d) => (d === l ? 1 : 0))),
    );
  });
});

describe('beamSearch with first', () => {
  it('gives the full search’s most likely string, with and without a length, on real lines and random scores', async () => {
    const { test } = loadMnist();
    const sets: SetName[] = ['wide', 'touching', 'photos', 'canvas'];
    let confident = 0;
    const same = (scores: LineScores, length?: number) => {
      const all = beamSearch(scores, LINE_BEAM, { length });
      assert.deepEqual(beamSearch(scores, LINE_BEAM, { length, first: true }), all.slice(0, 1));
      if (all.length > 1 && Math.exp(all[0].logP) > 0.5) confident++;
    };
    for (const [k, set] of sets.entries()) {
      for (const sample of await makeSet(set, 4, 3700 + k, test)) {
        const prepared = prepareLine((await decodeForReading(sample.picture, 40_000_000)).grey);
        const scores = { data: await model.run(prepared.line.data, 1, prepared.line.width), frames: lineFrames(prepared.line.width) };
        for (const length of [undefined, 1, sample.number.text.length]) same(scores, length);
      }
    }
    // Random columns, from nearly flat to sharp: most strings there hold less than half of the lines' P.
    let seed = 17;
    const rng = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 300; n++) {
      const frames = 1 + Math.floor(rng() * 30);
      const data = new Float32Array(frames * CLASSES);
      for (let t = 0; t < frames; t++) {
        const e = Array.from({ length: CLASSES }, () => Math.exp((1 + (n % 8)) * (rng() - 0.5)));
        const z = e.reduce((a, b) => a + b, 0);
        e.forEach((v, c) => (data[t * CLASSES + c] = Math.log(v / z)));
      }
      for (const length of [undefined, 2]) same({ data, frames }, length);
    }
    assert.ok(confident >= 8, `${confident} searches where one string holds over half of the P`);
  });
});
