// The line model's graphs and its normalisation: the served graph against the training graph's forward pass on the
// same weights, the contract's shapes, and the whole gradient (CTC outside the graph, backward inside) against finite
// differences of the loss.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { normaliseLine } from '../src/imaging/line.js';
import { resample } from '../src/imaging/resample.js';
import {
  BLANK,
  layerReach,
  LENET_WIDTHS,
  LINE_CLASSES,
  LINE_INPUT,
  LINE_SCORES,
  lineFrames,
  lineParamCount,
  reachKernel,
  widthsOf,
} from '../src/model/line.js';
import type { Params } from '../src/model/init.js';
import {
  buildLineEnsembleInference,
  buildLineForward,
  buildLineGradient,
  buildLineInference,
  DLOGITS,
  flattenLineParams,
  unflattenLineParams,
} from '../src/model/line-graphs.js';
import { createRng } from '../src/model/random.js';
import { PARAMS_INPUT } from '../src/model/train-step.js';
import { ctcBatch } from '../src/train/ctc.js';
import { randomStart, warmStartFromLenet } from '../src/train/lines/warm-start.js';
import { addContext, reachFurther, widenLine } from '../src/train/lines/widen.js';
import { runCli } from './helpers/cli.js';

const lineOf = (n: number, width: number, seed: number) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * 28 * width }, () => (rng() < 0.3 ? rng() : 0));
};
const run = async (bytes: Uint8Array, feeds: Record<string, ort.Tensor>) => {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
};

describe('line model graphs', () => {
  it("the exported graph gives the training forward graph's scores on the same weights, T as the contract says", async () => {
    const { params } = warmStartFromLenet('models/lenet.onnx');
    const served = buildLineInference(unflattenLineParams(params), {});
    for (const width of [28, 31, 57, 96]) {
      const line = new ort.Tensor('float32', lineOf(2, width, width), [2, 1, 28, width]);
      const a = (await run(served, { [LINE_INPUT]: line }))[LINE_SCORES];
      const b = (await run(buildLineForward(), { [LINE_INPUT]: line, [PARAMS_INPUT]: new ort.Tensor('float32', params, [params.length]) }))[
        LINE_SCORES
      ];
      assert.deepEqual(a.dims, [2, lineFrames(width), LINE_CLASSES]);
      assert.deepEqual(b.dims, a.dims);
      const x = a.data as Float32Array;
      const y = b.data as Float32Array;
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-5, `W ${width}, score ${i}: ${x[i]} against ${y[i]}`);
      for (let r = 0; r < x.length / LINE_CLASSES; r++) {
        const mass = x.subarray(r * LINE_CLASSES, (r + 1) * LINE_CLASSES).reduce((s, v) => s + Math.exp(v), 0);
        assert.ok(Math.abs(mass - 1) < 1e-4, `row ${r} is not a distribution (${mass})`);
      }
    }
  });

  it('a wider line model (widen.ts) starts computing what the trained one computes; its copies part by a little noise', async () => {
    const wide = { conv1: 9, conv2: 24, conv3: 180, fc1: 96 };
    const trained = unflattenLineParams(warmStartFromLenet('models/lenet.onnx').params);
    const exact = widenLine(trained, wide, createRng(3), 0);
    const started = warmStartFromLenet('models/lenet.onnx', wide, 3);
    assert.equal(started.params.length, lineParamCount(wide));
    assert.ok(lineParamCount(wide) > 2 * lineParamCount());
    const width = 96;
    const line = new ort.Tensor('float32', lineOf(2, width, 11), [2, 1, 28, width]);
    const scores = async (params: Params) =>
      (await run(buildLineInference(params, {}), { [LINE_INPUT]: line }))[LINE_SCORES].data as Float32Array;
    const [a, b, c] = await Promise.all([scores(trained), scores(exact), scores(unflattenLineParams(started.params, wide))]);
    let [exactGap, noisyGap] = [0, 0];
    for (let i = 0; i < a.length; i++) {
      exactGap = Math.max(exactGap, Math.abs(a[i] - b[i]));
      noisyGap = Math.max(noisyGap, Math.abs(a[i] - c[i]));
    }
    assert.ok(exactGap < 1e-4, `widened without noise: scores differ by ${exactGap}`);
    assert.ok(noisyGap > 0 && noisyGap < 0.2, `widened with noise: scores differ by ${noisyGap}`);
    // The forward graph the trainer builds for those widths takes the flat vector and gives the same scores.
    const trainer = await run(buildLineForward(wide), {
      [LINE_INPUT]: line,
      [PARAMS_INPUT]: new ort.Tensor('float32', started.params, [started.params.length]),
    });
    const d = trainer[LINE_SCORES].data as Float32Array;
    for (let i = 0; i < c.length; i++) assert.ok(Math.abs(c[i] - d[i]) < 1e-5);
    assert.throws(() => widenLine(exact, LENET_WIDTHS, createRng(1)), /cannot narrow conv1 from 9 to 6/);
    // A wider model than the recipe asks for is refused, naming both.
    const dir = mkdtempSync(path.join(tmpdir(), 'line-wide-'));
    const file = path.join(dir, 'wide.onnx');
    writeFileSync(file, buildLineInference(exact, {}));
    assert.throws(
      () => warmStartFromLenet(file, LENET_WIDTHS),
      /wide\.onnx: its model is 9\/24\/180\/96 channels wide, wider than the 6\/16\/120\/64/,
    );
    assert.equal(warmStartFromLenet(file).params.length, lineParamCount(wide));
  });

  it('a line model given a reach (widen.ts) starts computing what it computed; its neighbours then count', async () => {
    const trained = unflattenLineParams(warmStartFromLenet('models/lenet.onnx').params);
    const reaching = reachFurther(trained, { reach: 1 });
    const widths = { ...LENET_WIDTHS, reach: 1 };
    assert.equal(reaching.get('fc1.weight')!.length, 3 * 64 * 120);
    const scores = async (params: Params, width: number) => {
      const line = new ort.Tensor('float32', lineOf(2, width, width), [2, 1, 28, width]);
      return (await run(buildLineInference(params, {}), { [LINE_INPUT]: line }))[LINE_SCORES];
    };
    for (const width of [28, 57, 96]) {
      const [a, b] = await Promise.all([scores(trained, width), scores(reaching, width)]);
      assert.deepEqual(b.dims, [2, lineFrames(width), LINE_CLASSES]);
      const [x, y] = [a.data as Float32Array, b.data as Float32Array];
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-5, `W ${width}, score ${i}: ${y[i]} against ${x[i]}`);
    }
    // Weights on the neighbours change the scores, and the trainer's forward graph for that reach gives the served graph's.
    const rng = createRng(4);
    const nudged: Params = new Map(reaching);
    nudged.set(
      'fc1.weight',
      reaching.get('fc1.weight')!.map((v, i) => (i % 3 === 1 ? v : 0.05 * (rng() - 0.5))),
    );
    const width = 96;
    const served = await scores(nudged, width);
    const plain = (await scores(trained, width)).data as Float32Array;
    const changed = (served.data as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - plain[i])), 0);
    assert.ok(changed > 1e-3, `neighbouring columns changed the scores by ${changed}`);
    const flat = flattenLineParams(nudged);
    const line = new ort.Tensor('float32', lineOf(2, width, width), [2, 1, 28, width]);
    const trainer = (
      await run(buildLineForward(widths), { [LINE_INPUT]: line, [PARAMS_INPUT]: new ort.Tensor('float32', flat, [flat.length]) })
    )[LINE_SCORES].data as Float32Array;
    (served.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - trainer[i]) < 1e-5, `score ${i}: ${trainer[i]} against ${v}`));
    // A model file's reach is read back from its weights; a recipe that asks for less is refused.
    const dir = mkdtempSync(path.join(tmpdir(), 'line-reach-'));
    const file = path.join(dir, 'reach.onnx');
    writeFileSync(file, buildLineInference(nudged, {}));
    assert.equal(warmStartFromLenet(file).params.length, lineParamCount(widths));
    assert.equal(warmStartFromLenet(file, widths).params.length, lineParamCount(widths));
    assert.throws(
      () => warmStartFromLenet(file, LENET_WIDTHS),
      /reach\.onnx: its fc1 reaches 1 column\(s\) each side, farther than the 0 asked for/,
    );
    assert.throws(() => reachFurther(nudged, {}), /cannot shorten fc1's reach from 1 to 0/);
    // fc2 alone may reach farther than fc1: the same scores again, the reaches read back from the file, and in the card's words.
    const far = { ...widths, fc2Reach: 3 };
    const farther = reachFurther(nudged, far);
    assert.equal(farther.get('fc2.weight')!.length, 7 * 11 * 64);
    const again = (await scores(farther, width)).data as Float32Array;
    (served.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - again[i]) < 1e-5, `score ${i}: ${again[i]} against ${v}`));
    const farFile = path.join(dir, 'far.onnx');
    writeFileSync(farFile, buildLineInference(farther, {}));
    assert.deepEqual(widthsOf(farther), far);
    assert.equal(warmStartFromLenet(file, far).from?.grown, 'fc2 given a reach of 3 column(s) each side');
    assert.equal(
      warmStartFromLenet('models/lenet.onnx', { ...LENET_WIDTHS, reach: 2 }).from?.grown,
      'given a reach of 2 column(s) each side',
    );
    assert.throws(
      () => warmStartFromLenet(farFile, widths),
      /far\.onnx: its fc2 reaches 3 column\(s\) each side, farther than the 1 asked for/,
    );
    assert.throws(() => reachFurther(farther, widths), /cannot shorten fc2's reach from 3 to 1/);
  });

  it('a context layer put between fc1 and fc2 (widen.ts addContext) starts computing what the model computed; it then counts', async () => {
    const trained = reachFurther(unflattenLineParams(warmStartFromLenet('models/lenet.onnx').params), { reach: 1 });
    const widths = { ...LENET_WIDTHS, reach: 1, context: 2 };
    const deep = addContext(trained, 2);
    assert.deepEqual(widthsOf(deep), widths);
    assert.equal(flattenLineParams(deep).length, lineParamCount(widths));
    const width = 96;
    const line = new ort.Tensor('float32', lineOf(2, width, width), [2, 1, 28, width]);
    const served = async (params: Params) =>
      (await run(buildLineInference(params, {}), { [LINE_INPUT]: line }))[LINE_SCORES].data as Float32Array;
    const [before, after] = await Promise.all([served(trained), served(deep)]);
    after.forEach((v, i) => assert.ok(Math.abs(v - before[i]) < 1e-5, `score ${i}: ${v} against ${before[i]}`));
    // Weights beside the identity change the scores, and the trainer's graph for these widths gives the served graph's.
    const rng = createRng(6);
    const nudged: Params = new Map(deep);
    nudged.set(
      'context.weight',
      deep.get('context.weight')!.map((v) => v + 0.05 * (rng() - 0.5)),
    );
    const moved = await served(nudged);
    assert.ok(
      moved.some((v, i) => Math.abs(v - before[i]) > 1e-3),
      'the context layer changed no score',
    );
    const flat = flattenLineParams(nudged);
    const trainer = (
      await run(buildLineForward(widths), { [LINE_INPUT]: line, [PARAMS_INPUT]: new ort.Tensor('float32', flat, [flat.length]) })
    )[LINE_SCORES].data as Float32Array;
    moved.forEach((v, i) => assert.ok(Math.abs(v - trainer[i]) < 1e-5, `score ${i}: ${trainer[i]} against ${v}`));
    // A warm start adds the layer and says so; a model with one is not started as a model without.
    const dir = mkdtempSync(path.join(tmpdir(), 'line-context-'));
    const [plain, withContext] = [path.join(dir, 'plain.onnx'), path.join(dir, 'context.onnx')];
    writeFileSync(plain, buildLineInference(trained, {}));
    writeFileSync(withContext, buildLineInference(nudged, {}));
    const started = warmStartFromLenet(plain, widths);
    assert.equal(started.from?.grown, 'given a context layer reading 2 column(s) each side');
    assert.equal(started.params.length, lineParamCount(widths));
    assert.deepEqual(widthsOf(unflattenLineParams(warmStartFromLenet(withContext).params, widths)), widths);
    assert.throws(
      () => warmStartFromLenet(withContext, { ...widths, context: undefined }),
      /context\.onnx: its context layer reads 2 column\(s\) each side, which the 6\/16\/120\/64 asked for does not/,
    );
    assert.throws(() => addContext(nudged, 1), /has a context layer already/);
  });

  it("an ensemble graph answers each column's mean of its members' probabilities, as log-probabilities", async () => {
    const members = [warmStartFromLenet('models/lenet.onnx').params, randomStart(5).params].map((p) => unflattenLineParams(p));
    const ensemble = buildLineEnsembleInference(members, {});
    const width = 57;
    const line = new ort.Tensor('float32', lineOf(2, width, width), [2, 1, 28, width]);
    const [a, b, e] = await Promise.all(
      [buildLineInference(members[0], {}), buildLineInference(members[1], {}), ensemble].map(
        async (graph) => (await run(graph, { [LINE_INPUT]: line }))[LINE_SCORES].data as Float32Array,
      ),
    );
    assert.equal(e.length, 2 * lineFrames(width) * LINE_CLASSES);
    for (let i = 0; i < e.length; i++) {
      const want = Math.log((Math.exp(a[i]) + Math.exp(b[i])) / 2);
      assert.ok(Math.abs(e[i] - want) < 1e-5, `score ${i}: ${e[i]} against ${want}`);
    }
    assert.throws(() => buildLineEnsembleInference(members.slice(0, 1), {}), /at least two/);
  });

  it('npm run line:ensemble writes the members as one model and a card naming them; a model that is no line model is a clear error', async () => {
    // The committed line model with itself: the mean of two equal distributions is the distribution.
    const dir = mkdtempSync(path.join(tmpdir(), 'line-ensemble-'));
    const out = path.join(dir, 'ensemble.onnx');
    const made = await runCli('src/train/line-ensemble-cli.ts', ['--out', out, 'models/line.onnx', 'models/line.onnx']);
    assert.equal(made.code, 0, made.stderr);
    const card = JSON.parse(readFileSync(path.join(dir, 'ensemble.json'), 'utf8'));
    const sha = createHash('sha256').update(readFileSync('models/line.onnx')).digest('hex');
    assert.deepEqual(
      card.members.map((m: { sha256: string }) => m.sha256),
      [sha, sha],
    );
    assert.equal(card.sha256, createHash('sha256').update(readFileSync(out)).digest('hex'));
    const width = 80;
    const line = new ort.Tensor('float32', lineOf(1, width, width), [1, 1, 28, width]);
    const [one, two] = await Promise.all(
      [readFileSync('models/line.onnx'), readFileSync(out)].map(
        async (bytes) => (await run(bytes, { [LINE_INPUT]: line }))[LINE_SCORES].data as Float32Array,
      ),
    );
    for (let i = 0; i < one.length; i++) assert.ok(Math.abs(one[i] - two[i]) < 1e-5, `score ${i}: ${two[i]} against ${one[i]}`);
    const notLine = await runCli('src/train/line-ensemble-cli.ts', ['--out', out, 'models/line.onnx', 'models/lenet.onnx']);
    assert.equal(notLine.code, 2);
    assert.match(notLine.stderr, /models\/lenet\.onnx: no \S+ of shape \[/);
    const alone = await runCli('src/train/line-ensemble-cli.ts', ['--out', out, 'models/line.onnx']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /usage: npm run line:ensemble/);
  });

  for (const widths of [LENET_WIDTHS, { ...LENET_WIDTHS, reach: 1 }, { ...LENET_WIDTHS, fc2Reach: 2 }, { ...LENET_WIDTHS, context: 1 }])
    it(`the gradient graph seeded with CTC's dlogits is the gradient of the CTC loss (finite differences; reach ${widths.reach ?? 0}, fc2 ${layerReach(widths, 'fc2')}, context ${widths.context ?? 'none'})`, async () => {
      const { params } = randomStart(3, widths);
      const width = 64;
      const line = new ort.Tensor('float32', lineOf(2, width, 9), [2, 1, 28, width]);
      const labels = [[1, 1, 4], [7]];
      const forward = await ort.InferenceSession.create(buildLineForward(widths));
      const loss = async (p: Float32Array) => {
        const scores = (await forward.run({ [LINE_INPUT]: line, [PARAMS_INPUT]: new ort.Tensor('float32', p, [p.length]) }))[LINE_SCORES];
        // The second line is 3 columns shorter than the batch: its last 3 columns are padding, taught blank.
        return {
          ...ctcBatch(scores.data as Float32Array, 2, scores.dims[1], LINE_CLASSES, labels, BLANK, [scores.dims[1], scores.dims[1] - 3]),
          frames: scores.dims[1],
        };
      };
      const at = await loss(params);
      const dlogits = new ort.Tensor('float32', at.grad, [2, at.frames, LINE_CLASSES]);
      const grad = (
        await run(buildLineGradient(widths), {
          [LINE_INPUT]: line,
          [PARAMS_INPUT]: new ort.Tensor('float32', params, [params.length]),
          [DLOGITS]: dlogits,
        })
      ).grad.data as Float32Array;
      assert.equal(grad.length, lineParamCount(widths));
      const rng = createRng(5);
      const eps = 1e-2;
      let worst = 0;
      // The last layers' parameters (no ReLU or max-pool kink between them and the loss) and a sample of the rest.
      const last = 11 * 64 * reachKernel(widths, 'fc2') + 11;
      const fc2 = lineParamCount(widths) - last;
      const picks = [
        ...Array.from({ length: 12 }, () => fc2 + Math.floor(rng() * last)),
        ...Array.from({ length: 12 }, () => Math.floor(rng() * fc2)),
      ];
      let checked = 0;
      for (const i of picks) {
        const plus = params.slice();
        const minus = params.slice();
        plus[i] += eps;
        minus[i] -= eps;
        const [up, down] = [(await loss(plus)).loss, (await loss(minus)).loss];
        const numeric = (up - down) / (2 * eps);
        // A ReLU or max-pool kink within eps of the point makes the two one-sided slopes differ by a step, and the
        // central difference is then no derivative: such a pick is left out (most are not, which the count checks).
        if (Math.abs((up - at.loss) / eps - (at.loss - down) / eps) > 2e-2 * Math.max(1, Math.abs(numeric))) continue;
        checked++;
        worst = Math.max(worst, Math.abs(numeric - grad[i]) / Math.max(1, Math.abs(numeric)));
      }
      await forward.release();
      assert.ok(checked >= 20, `only ${checked} of ${picks.length} parameters away from a kink`);
      assert.ok(worst < 2e-2, `largest relative error ${worst}`);
    });
});

describe('normaliseLine', () => {
  it('scales the ink box to 20 rows centred in 28, with 12 black columns each side', () => {
    // A 10 × 40 box of ink at (5, 3) in a 60 × 50 map: scaled by ½ → 5 × 20, W = 5 + 24 = 29.
    const map = { data: new Uint8Array(60 * 50), width: 60, height: 50 };
    for (let y = 3; y < 43; y++) for (let x = 5; x < 15; x++) map.data[y * 60 + x] = 255;
    const line = normaliseLine(map)!;
    assert.equal(line.scale, 0.5);
    assert.deepEqual(line.ink, { x: 5, y: 3, width: 10, height: 40 });
    assert.equal(line.width, 29);
    assert.equal(line.slope, 0);
    const at = (x: number, y: number) => line.data[y * line.width + x];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < line.width; x++) {
        const inside = y >= 4 && y < 24 && x >= 12 && x < 17;
        assert.equal(at(x, y), inside ? 1 : 0, `(${x}, ${y})`);
      }
    }
  });

  it('a wide line keeps its aspect; an empty map has no line', () => {
    const map = { data: new Uint8Array(200 * 20), width: 200, height: 20 };
    for (let x = 0; x < 200; x++) for (let y = 5; y < 15; y++) map.data[y * 200 + x] = 200;
    const line = normaliseLine(map)!;
    assert.equal(line.width, 400 + 24);
    assert.ok(Math.abs(line.data[10 * line.width + 100] - 200 / 255) < 1e-6);
    assert.equal(normaliseLine({ data: new Uint8Array(100), width: 10, height: 10 }), undefined);
  });

  it("grain far from the strokes does not set the line's box; a stroke's soft edge and faint writing do", () => {
    // Strokes at 255 in rows 20..39, columns 30..89, a soft edge of 40 one row above and below; specks of 45 (a photo's
    // grain after inkPage's cut) in the map's corners.
    const map = { data: new Uint8Array(120 * 60), width: 120, height: 60 };
    for (let y = 20; y < 40; y++) for (let x = 30; x < 90; x++) map.data[y * 120 + x] = 255;
    for (let x = 30; x < 90; x++) map.data[19 * 120 + x] = map.data[40 * 120 + x] = 40;
    for (const [x, y] of [
      [0, 0],
      [119, 0],
      [0, 59],
      [119, 59],
      [60, 2],
    ])
      map.data[y * 120 + x] = 45;
    assert.deepEqual(normaliseLine(map)!.ink, { x: 30, y: 19, width: 60, height: 22 });
    // The same strokes written faintly (all ink at 50): half the strongest ink sets the box, so the line is still found.
    const faint = { ...map, data: map.data.map((v) => (v === 255 ? 50 : v === 45 ? 20 : v)) };
    assert.deepEqual(normaliseLine(faint)!.ink, { x: 30, y: 19, width: 60, height: 22 });
  });

  /** A 300 × 150 map with three 12 × 30 "digits" of full ink at columns 100, 124 and 148 from row 60, and `extra`. */
  function threeDigits(extra: (put: (x: number, y: number, v?: number) => void) => void) {
    const map = { data: new Uint8Array(300 * 150), width: 300, height: 150 };
    const put = (x: number, y: number, v = 255) => (map.data[y * 300 + x] = v);
    for (const left of [100, 124, 148]) for (let y = 60; y < 90; y++) for (let x = left; x < left + 12; x++) put(x, y);
    extra(put);
    return normaliseLine(map)!.ink;
  }
  const digitsOnly = { x: 100, y: 60, width: 60, height: 30 };

  it("specks as strong as the writing but far from it (a page edge's, a corner's) do not set the line's box", () => {
    assert.deepEqual(
      threeDigits((put) => {
        for (let x = 0; x < 20; x++) put(x, 0); // a run along the page's top row
        put(298, 148);
        put(299, 149); // a corner's specks
        for (let y = 10; y < 140; y += 6) put(290 + (y % 4), y); // grain strung down an edge, a speck every 6 rows
      }),
      digitsOnly,
    );
    // Near the writing a speck still counts (a dot, a digit's loose end): it may be part of the number.
    assert.deepEqual(
      threeDigits((put) => put(185, 75)),
      { ...digitsOnly, width: 86 },
    );
  });

  it('digits far from a dark band that outweighs them are not left out: what is left out must be specks', () => {
    // A band 300 × 20 along the top (6,000 pixels: more than 16 times a digit's 360), the digits 40 rows (two
    // band-heights) below it and not in its rows: without the guard the band alone would be the line.
    assert.deepEqual(
      threeDigits((put) => {
        for (let y = 0; y < 20; y++) for (let x = 0; x < 300; x++) put(x, y);
      }),
      { x: 0, y: 0, width: 300, height: 90 },
    );
  });

  it('a page of a quarter of a million separate dots is read without running out of stack', () => {
    const map = { data: new Uint8Array(1000 * 1000), width: 1000, height: 1000 };
    for (let y = 0; y < 1000; y += 2) for (let x = 0; x < 1000; x += 2) map.data[y * 1000 + x] = 255;
    // Every dot is as large as the largest: nothing to leave out, the box is all of the ink's.
    assert.deepEqual(normaliseLine(map)!.ink, { x: 0, y: 0, width: 999, height: 999 });
  });

  it('a thin 1 or a faint digit in scraps set further off is writing, not a speck', () => {
    // A short 1 drawn with a thin pen (one column, 20 rows: less than a 16th of a digit's ink) 48 columns (1.6 heights)
    // after the rest.
    assert.deepEqual(
      threeDigits((put) => {
        for (let y = 65; y < 85; y++) put(208, y);
      }),
      { ...digitsOnly, width: 109 },
    );
    // A faint stroke broken into scraps of 2 × 8, 3 rows apart, 1.7 heights before the rest.
    assert.deepEqual(
      threeDigits((put) => {
        for (let y = 60; y < 90; y += 11) for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 2; dx++) put(46 + dx, y + dy);
      }),
      { x: 46, y: 60, width: 114, height: 30 },
    );
  });

  it('levels a sloping line: its strokes, not its slope, fill the 20 rows', () => {
    // Ten 4 × 20 bars, 14 columns apart, each 1.4 rows lower than the one before: a slope of 0.1 rows a column, levelled
    // (unlevelled, the box would be 33 rows tall); one of 0.5 is beyond what is levelled.
    const bars = (drop: number) => {
      const map = { data: new Uint8Array(200 * 100), width: 200, height: 100 };
      for (let i = 0; i < 10; i++) {
        for (let y = 0; y < 20; y++) for (let x = 0; x < 4; x++) map.data[(5 + Math.round(i * drop) + y) * 200 + 10 + i * 14 + x] = 255;
      }
      return normaliseLine(map)!;
    };
    const level = bars(1.4);
    assert.ok(Math.abs(level.slope - 0.1) < 0.01, `slope ${level.slope}`);
    assert.ok(level.scale > 0.85 && level.scale <= 1, `scale ${level.scale}`); // the box ≈ one bar tall, not 20 + 9 × 1.4
    assert.deepEqual(level.ink, { x: 10, y: 5, width: 130, height: 20 + 13 }); // the map's own box, as drawn
    const steep = bars(7);
    assert.equal(steep.slope, 0); // beyond LEVEL_MAX_SLOPE: taken as drawn
    assert.equal(steep.scale, 20 / (20 + 63));
    assert.equal(bars(0).slope, 0);
  });

  it('levels in the WebAssembly kernels exactly as the shear and the fit read plainly in JavaScript', () => {
    // The definition: the slope fitted through each column's centre of ink, each column moved up by slope × x with
    // linear weights between rows and Math.round, cropped to the rows of ink, then resampled to 20 rows.
    const reference = (map: { data: Uint8Array; width: number }, box: { x: number; y: number; width: number; height: number }) => {
      const { width, height } = box;
      const at = (i: number, r: number) => (r >= 0 && r < height ? map.data[(box.y + r) * map.width + box.x + i] : 0);
      let [sw, sx, sy, sxx, sxy] = [0, 0, 0, 0, 0];
      for (let i = 0; i < width; i++) {
        let [mass, moment] = [0, 0];
        for (let r = 0; r < height; r++) [mass, moment] = [mass + at(i, r), moment + at(i, r) * (box.y + r)];
        if (mass === 0) continue;
        const [x, c] = [box.x + i, moment / mass];
        [sw, sx, sy, sxx, sxy] = [sw + mass, sx + mass * x, sy + mass * c, sxx + mass * x * x, sxy + mass * x * c];
      }
      const slope = (sxy - (sx * sy) / sw) / (sxx - (sx * sx) / sw);
      const rise = Math.abs(slope) * (width - 1);
      const tall = height + Math.ceil(rise);
      const out = new Uint8Array(width * tall);
      for (let i = 0; i < width; i++) {
        const shift = slope > 0 ? rise - slope * i : -slope * i;
        const [whole, frac] = [Math.floor(shift), shift - Math.floor(shift)];
        for (let r = -1; r < height; r++) out[(r + 1 + whole) * width + i] = Math.round(at(i, r + 1) * (1 - frac) + at(i, r) * frac);
      }
      const rows = [...Array(tall).keys()].filter((r) => out.subarray(r * width, (r + 1) * width).some((v) => v > 0));
      const crop = out.subarray(rows[0] * width, (rows.at(-1)! + 1) * width);
      const scaledWidth = Math.round((width * 20) / (crop.length / width));
      return { slope, scaled: resample(crop, width, crop.length / width, scaledWidth, 20) };
    };
    const rng = createRng(36);
    for (const drop of [1.4, -1.1, 0.7, -2.3]) {
      // Ten blobs of uneven ink along a slope.
      const map = { data: new Uint8Array(150 * 60), width: 150, height: 60 };
      for (let i = 0; i < 10; i++) {
        const top = 12 + Math.round(i * drop) + (drop < 0 ? 24 : 0);
        for (let y = 0; y < 22; y++)
          for (let x = 0; x < 9; x++) if (rng() < 0.6) map.data[(top + y) * 150 + 1 + i * 15 + x] = 1 + Math.floor(rng() * 255);
      }
      const line = normaliseLine(map)!;
      const want = reference(map, line.ink);
      assert.ok(line.slope !== 0);
      assert.equal(line.slope, want.slope);
      const got = Uint8Array.from({ length: want.scaled.length }, (_, i) => {
        const [r, c] = [Math.floor(i / (want.scaled.length / 20)), i % (want.scaled.length / 20)];
        return Math.round(line.data[(4 + r) * line.width + 12 + c] * 255);
      });
      assert.deepEqual(got, want.scaled, `drop ${drop}`);
    }
  });
});
