// The trainer end to end: real ONNX Runtime, real MNIST.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { flattenParams, initParams, unflattenParams } from '../src/model/init.js';
import { batchShape } from '../src/model/input-contract.js';
import { decodeModel, readMetadata } from '../src/model/onnx-builder.js';
import { hyperInputs } from '../src/model/optimizers.js';
import { createRng } from '../src/model/random.js';
import { buildGradientStep, buildTrainStep, next, PARAMS_INPUT } from '../src/model/train-step.js';
import { buildInferenceModel } from '../src/model/inference-graph.js';
import { loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint.js';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { RECIPES, type Recipe } from '../src/train/recipes.js';
import { runShard } from '../src/train/shard.js';
import { pinTeacher } from '../src/train/teachers.js';
import { loadFontDigits } from '../src/train/font-digits.js';
import { pinWarmStart, warmStartParams, WarmStartError } from '../src/train/warm-start.js';
import { evaluate } from '../src/train/evaluate.js';
import { ShardHelper } from '../src/train/shard-helper.js';
import { shardBounds } from '../src/train/step-runner.js';
import { train, type Checkpoint } from '../src/train/trainer.js';
import { runCli } from './helpers/cli.js';
import { misleadingModels } from './helpers/models.js';

const data = loadMnist();
const CLI = 'src/train/cli.ts';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'lenet-train-'));
/** The loss's targets for these labels: one-hot rows. */
const oneHot = (labels: Uint8Array) =>
  Float32Array.from({ length: labels.length * 10 }, (_, i) => (labels[Math.floor(i / 10)] === i % 10 ? 1 : 0));

/** Runs the training-step graph on a fixed batch; returns the loss before the update, logits, and new params. */
async function step(
  recipe: Recipe,
  session: ort.InferenceSession,
  params: Float32Array,
  state: Map<string, Float32Array>,
  n: number,
  lr: number,
  t = 1,
) {
  const feeds: Record<string, ort.Tensor> = {
    image: new ort.Tensor('float32', toFloat(data.train, 0, n), batchShape(n)),
    target: new ort.Tensor('float32', oneHot(data.train.labels.subarray(0, n)), [n, 10]),
    ...Object.fromEntries(
      Object.entries(hyperInputs(recipe.optimizer, lr, t)).map(([name, v]) => [name, new ort.Tensor('float32', [v], [])]),
    ),
    [PARAMS_INPUT]: new ort.Tensor('float32', params, [params.length]),
  };
  for (const [slot, v] of state) feeds[slot] = new ort.Tensor('float32', v, [v.length]);
  const names = session.inputNames;
  const out = await session.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => names.includes(k))));
  return {
    loss: (out.loss.data as Float32Array)[0],
    logits: out.logits.data as Float32Array,
    params: out[next(PARAMS_INPUT)].data as Float32Array,
    out,
  };
}

describe('training step graph', () => {
  for (const recipe of [RECIPES.plain, RECIPES.default, RECIPES.paddle]) {
    it(`one ${recipe.name} step on a fixed batch lowers that batch's loss`, async () => {
      const graph = buildTrainStep(recipe.arch, recipe.optimizer);
      const session = await ort.InferenceSession.create(graph.bytes);
      const params = flattenParams(initParams(createRng(7)));
      const state = new Map(graph.slots.map((s) => [s, new Float32Array(params.length)]));
      // A larger lr than the recipe's, so a single step moves the loss measurably.
      const first = await step(recipe, session, params, state, 32, recipe.optimizer.name === 'adam' ? 1e-3 : 0.1);
      const second = await step(recipe, session, first.params, state, 32, 0);
      assert.ok(second.loss < first.loss, `loss ${first.loss} → ${second.loss}`);
    });
  }

  it('the exported model reproduces the training graph forward pass exactly', async () => {
    const recipe = RECIPES.default;
    const graph = buildTrainStep(recipe.arch, recipe.optimizer);
    const session = await ort.InferenceSession.create(graph.bytes);
    const params = flattenParams(initParams(createRng(3)));
    const state = new Map(graph.slots.map((s) => [s, new Float32Array(params.length)]));
    const trained = await step(recipe, session, params, state, 16, 1e-3); // some non-initial weights
    const probe = await step(recipe, session, trained.params, state, 16, 0); // lr 0: logits of those weights

    const dir = tmp();
    const file = path.join(dir, 'm.onnx');
    writeFileSync(file, buildInferenceModel(recipe.arch, unflattenParams(trained.params), {}));
    const exported = await ort.InferenceSession.create(file);
    assert.deepEqual(exported.inputNames, ['image']);
    assert.deepEqual(exported.outputNames, ['logits', 'probabilities']);
    const out = await exported.run({ image: new ort.Tensor('float32', toFloat(data.train, 0, 16), batchShape(16)) });
    const logits = out.logits.data as Float32Array;
    for (let i = 0; i < logits.length; i++)
      assert.ok(Math.abs(logits[i] - probe.logits[i]) < 1e-4, `logit ${i}: ${logits[i]} vs ${probe.logits[i]}`);
    const probs = out.probabilities.data as Float32Array;
    for (let r = 0; r < 16; r++) {
      const sum = probs.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5);
    }
  });
});

describe('training runs', () => {
  it('a short run on 6,000 images beats chance (10%) by far', async () => {
    const result = await train({ recipe: { ...RECIPES.default, epochs: 1 }, data, device: 'cpu', trainLimit: 6000 });
    assert.equal(result.status, 'done');
    if (result.status !== 'done') return;
    assert.ok(result.final.accuracy > 0.85, `test accuracy ${result.final.accuracy}`);
    assert.equal(result.history.length, 1);
    assert.equal(
      result.final.confusion.flat().reduce((a, b) => a + b, 0),
      10000,
    );
  });

  it("with weight averaging a run exports the moving average of its steps' weights, and takes the very same steps", async () => {
    const recipe = { ...RECIPES.default, epochs: 1, average: undefined };
    const opts = { data, device: 'cpu' as const, trainLimit: 640 };
    const steps: Float32Array[] = [];
    const plain = await train({ ...opts, recipe, onStep: (p) => steps.push(p.slice()) });
    const followed: Float32Array[] = [];
    const averaged = await train({ ...opts, recipe: { ...recipe, average: { ema: 0.9 } }, onStep: (p) => followed.push(p.slice()) });
    assert.ok(plain.status === 'done' && averaged.status === 'done');
    assert.equal(steps.length, 10);
    assert.deepEqual(followed, steps, 'averaging changed the training itself');
    assert.deepEqual(flattenParams(plain.params), steps.at(-1), 'without averaging the last step is exported');

    // The average, worked out here in float64: w₁, then avg ← 0.9·avg + 0.1·w.
    const expected = Float64Array.from(steps[0]);
    for (const w of steps.slice(1)) expected.forEach((a, i) => (expected[i] = 0.9 * a + 0.1 * w[i]));
    const got = flattenParams(averaged.params);
    expected.forEach((e, i) => assert.ok(Math.abs(got[i] - e) <= 1e-6 + 1e-5 * Math.abs(e), `param ${i}: ${got[i]} vs ${e}`));
    assert.notDeepEqual(got, steps.at(-1));

    // The epoch's record: the exported average's test and held-out figures, and the last step's beside them.
    const [record] = averaged.history;
    assert.equal(record.raw?.testAccuracy, plain.history[0].testAccuracy);
    assert.equal(record.raw?.heldOutAccuracy, plain.history[0].heldOutAccuracy);
    assert.equal(record.testAccuracy, averaged.final.accuracy);
    assert.ok(record.heldOutAccuracy! > 0.1 && record.heldOutAccuracy! <= 1, `held-out accuracy ${record.heldOutAccuracy}`);
    assert.equal(plain.history[0].raw, undefined);
  });

  it('averaging the last epochs exports the mean of the weights at their ends', async () => {
    const recipe = { ...RECIPES.default, epochs: 3, average: { lastEpochs: 2 } };
    const ends: Float32Array[] = [];
    const result = await train({
      recipe,
      data,
      device: 'cpu',
      trainLimit: 640,
      onStep: (p, step) => step % 10 === 0 && ends.push(p.slice()),
    });
    assert.ok(result.status === 'done');
    assert.equal(ends.length, 3);
    const got = flattenParams(result.params);
    got.forEach((g, i) => {
      const e = (ends[1][i] + ends[2][i]) / 2;
      assert.ok(Math.abs(g - e) <= 1e-6 + 1e-6 * Math.abs(e), `param ${i}: ${g} vs ${e}`);
    });
    // Before the last two epochs the run exports its last step's weights, so there is no second set of figures.
    assert.deepEqual(
      result.history.map((r) => r.raw !== undefined),
      [false, true, true],
    );
  });

  const variants: Array<[string, Partial<Recipe>]> = [
    ['', {}],
    [', averaged {"ema":0.99}', { average: { ema: 0.99 } }],
    [', averaged {"lastEpochs":2}', { average: { lastEpochs: 2 } }],
    [', distilled from the committed model', { distill: { teachers: [pinTeacher('models/lenet.onnx')], weight: 0.5 } }],
    [
      ', fine-tuned from the committed model with training-font digits',
      { init: pinWarmStart('models/lenet.onnx'), fonts: { share: 0.3, families: ['Breip', 'Humor Sans'], sizes: [32] } },
    ],
  ];
  for (const [variant, change] of variants) {
    it(`an interrupted run resumed from its checkpoint ends with exactly the uninterrupted weights${variant}`, async () => {
      // The default recipe: its per-image distortions, non-digits and the batch made ahead must resume exactly too.
      const recipe = { ...RECIPES.default, epochs: 2, ...change };
      const opts = { recipe, data, device: 'cpu' as const, trainLimit: 640 };
      const straight = await train(opts);
      assert.equal(straight.status, 'done');

      const stop = new AbortController();
      let batches = 0;
      const first = await train({ ...opts, signal: stop.signal, onEvent: (e) => e.type === 'batch' && ++batches === 13 && stop.abort() });
      assert.equal(first.status, 'interrupted');
      if (first.status !== 'interrupted' || straight.status !== 'done') return;
      assert.equal(first.checkpoint.step, 13);

      const file = path.join(tmp(), 'ckpt.json');
      await saveCheckpoint(file, first.checkpoint);
      const resumed = await train({ ...opts, resume: loadCheckpoint(file) as Checkpoint });
      assert.equal(resumed.status, 'done');
      if (resumed.status !== 'done') return;
      for (const [name, values] of straight.params) assert.deepEqual(resumed.params.get(name), values, name);
      assert.equal(resumed.history.length, 2);
    });
  }
});

describe('fine-tuning (#35)', () => {
  it('--init starts from the model given: a step at a tiny rate reads the test set as that model does', async () => {
    const init = pinWarmStart('models/lenet.onnx');
    assert.equal(init.sha256, createHash('sha256').update(readFileSync('models/lenet.onnx')).digest('hex'));
    const recipe = { ...RECIPES.default, epochs: 1, lr: 1e-7, init };
    const result = await train({ recipe, data, device: 'cpu', trainLimit: 64 });
    assert.ok(result.status === 'done');
    const session = await ort.InferenceSession.create('models/lenet.onnx');
    const committed = await evaluate(session, data.test);
    await session.release();
    assert.ok(Math.abs(result.final.accuracy - committed.accuracy) <= 0.0005, `${result.final.accuracy} vs ${committed.accuracy}`);
    const start = warmStartParams(init);
    const end = flattenParams(result.params);
    assert.ok(
      end.every((v, i) => Math.abs(v - start[i]) < 1e-5),
      'one step at 1e-7 moved the weights far',
    );
  });

  it('refuses a file that changed since it was pinned, and one that is not a LeNet', () => {
    const dir = tmp();
    const file = path.join(dir, 'm.onnx');
    writeFileSync(file, readFileSync('models/lenet.onnx'));
    const pinned = pinWarmStart(file);
    writeFileSync(file, 'not a model');
    assert.throws(() => warmStartParams(pinned), /sha256 .*not the pinned/);
    assert.throws(() => warmStartParams(pinWarmStart(file)), /not an ONNX model|no conv1\.weight/);
  });

  it('refuses a model file cut short or whose tensors lie about their sizes, each with a clear error', () => {
    const file = path.join(tmp(), 'm.onnx');
    for (const [what, bytes, error] of misleadingModels('models/lenet.onnx')) {
      writeFileSync(file, bytes);
      assert.throws(
        () => warmStartParams(pinWarmStart(file)),
        (err: Error) => err instanceof WarmStartError && error.test(err.message),
        what,
      );
    }
  });

  it('the training fonts become MNIST-normalised 28×28 digits, one per font, size and digit', async () => {
    const fonts = await loadFontDigits({ share: 0.1, families: ['Breip', 'Klee One'], sizes: [20, 64] });
    assert.equal(fonts.count, 40);
    assert.deepEqual([...fonts.labels.subarray(0, 10)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < fonts.count; i++) {
      const image = fonts.images.subarray(i * 784, (i + 1) * 784);
      // fitted into 20×20 as /predict fits an upload (its longer side 20 pixels), bright ink on black
      const ink = [...image].flatMap((v, p) => (v > 0 ? [[p % 28, Math.floor(p / 28)]] : []));
      const side = (k: 0 | 1) => Math.max(...ink.map((q) => q[k])) - Math.min(...ink.map((q) => q[k])) + 1;
      assert.ok(Math.max(side(0), side(1)) >= 19 && Math.max(side(0), side(1)) <= 20, `font digit ${i}: ${side(0)}×${side(1)}`);
      assert.ok(Math.max(...image) > 200, `font digit ${i} is faint`);
    }
  });
});

describe('data-parallel shards', () => {
  it("the shards' scaled gradients add up to the whole batch's gradient", async () => {
    const session = await ort.InferenceSession.create(buildGradientStep(RECIPES.default.arch));
    const params = flattenParams(initParams(createRng(5)));
    const n = 24;
    const image = toFloat(data.train, 0, n);
    const target = oneHot(data.train.labels.subarray(0, n));
    const whole = await runShard(session, { image, target, params, scale: 1 });
    const sum = new Float32Array(params.length);
    let loss = 0;
    for (const [start, end] of shardBounds(n, 3)) {
      const part = await runShard(session, {
        image: image.subarray(start * 784, end * 784),
        target: target.subarray(start * 10, end * 10),
        params,
        scale: (end - start) / n,
      });
      sum.forEach((_, i) => (sum[i] += part.grad[i]));
      loss += (part.loss * (end - start)) / n;
    }
    const largest = whole.grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    assert.ok(largest > 1e-3, 'a gradient worth comparing');
    whole.grad.forEach((g, i) => assert.ok(Math.abs(g - sum[i]) <= 1e-6 + 1e-4 * Math.abs(g), `grad[${i}]: ${g} vs ${sum[i]}`));
    assert.ok(Math.abs(whole.loss - loss) < 1e-5, `loss ${whole.loss} vs ${loss}`);
  });

  it('shards give bit for bit the same weights on two threads as on one, a short last batch with an empty shard too', async () => {
    // 641 images at batch 64: the last batch has one image, so one of its two shards is empty. Both recipes with shards:
    // the default one's distortions and non-digits draw from each image's own stream, whatever thread trains it.
    for (const recipe of [RECIPES.plain, RECIPES.default]) await sameOnOneAndTwoThreads(recipe);
  });

  async function sameOnOneAndTwoThreads(recipe: Recipe) {
    const opts = { recipe: { ...recipe, epochs: 1 }, data, device: 'cpu' as const, trainLimit: 641 };
    const events: number[] = [];
    const one = await train({ ...opts, threads: 1 });
    const two = await train({ ...opts, threads: 2, onEvent: (e) => e.type === 'start' && events.push(e.threads) });
    assert.deepEqual(events, [2]);
    assert.ok(one.status === 'done' && two.status === 'done');
    for (const [name, values] of one.params) assert.deepEqual(two.params.get(name), values, `${recipe.name}: ${name}`);
    assert.equal(two.history[0].trainLoss, one.history[0].trainLoss);
  }

  it('a helper thread that cannot open its session fails with the reason', async () => {
    await assert.rejects(ShardHelper.start(new Uint8Array([8, 1, 2, 3])), /training helper thread: .*(protobuf|parse|model)/i);
  });
});

describe('train CLI', () => {
  it('trains, then writes the model, its card and its report atomically', async () => {
    const dir = tmp();
    const out = path.join(dir, 'lenet.onnx');
    const run = await runCli(CLI, ['--epochs', '1', '--train-limit', '2000', '--out', out, '--device', 'cpu']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /confusion matrix/);
    assert.match(run.stderr, /epoch 1\/1: train loss/);

    const bytes = readFileSync(out);
    const card = JSON.parse(readFileSync(path.join(dir, 'lenet.json'), 'utf8'));
    assert.equal(card.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.ok(card.opset >= 17);
    assert.equal(card.history.length, 1);
    const png = readFileSync(path.join(dir, 'lenet.report.png'));
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);

    const model = decodeModel(bytes);
    assert.ok(Number(model.opsetImport[0].version) >= 17);
    const meta = readMetadata(model);
    assert.deepEqual(JSON.parse(meta.labels), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const key of ['input', 'recipe', 'seed', 'test_accuracy', 'created_at', 'version']) assert.ok(meta[key], key);
    assert.equal(Number(meta.test_accuracy), Number(card.testAccuracy.toFixed(4)));
    const input = model.graph!.input![0];
    assert.equal(input.name, 'image');
    assert.equal(input.type!.tensorType!.shape!.dim![0].dimParam, 'N');
  });

  it('--no-robustness skips the evaluation on distorted digits: the card and the report have none', async () => {
    const dir = tmp();
    const out = path.join(dir, 'lenet.onnx');
    const run = await runCli(CLI, ['--epochs', '1', '--train-limit', '1000', '--no-robustness', '--out', out, '--device', 'cpu']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr + run.stdout, /robustness/);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'lenet.json'), 'utf8')).robustness, undefined);
    assert.ok(readFileSync(path.join(dir, 'lenet.report.png')).length > 0);
  });

  const badFlags: Array<[string[], RegExp]> = [
    [['--recipe', 'resnet'], /--recipe: Invalid option/],
    [['--epochs', '0'], /--epochs: .*>0|--epochs: Too small/],
    [['--batch-size', 'ten'], /--batch-size/],
    [['--lr', '-1'], /--lr/],
    [['--device', 'tpu'], /--device/],
    [['--threads', '0'], /--threads/],
    [['--shards', '1.5'], /--shards/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--fonts', '0.1', '--font-families', 'Comic Sans'], /--font-families: Comic Sans: not training fonts/],
    [['--font-families', 'Breip'], /--font-families: only with --fonts/],
    [['--fonts', '2'], /--fonts/],
  ];
  for (const [args, message] of badFlags) {
    it(`rejects ${args.join(' ')} with exit code 2 and usage`, async () => {
      const run = await runCli(CLI, args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /usage: npm run train/);
    });
  }

  it('a bad data directory is an error naming the file, exit 1', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), Buffer.from('not mnist at all'));
    const run = await runCli(CLI, ['--data', dir, '--out', path.join(dir, 'x.onnx')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /train-images-idx3-ubyte: not an IDX file/);
  });

  it('a diverging run stops with a clear message and leaves the existing model untouched', async () => {
    const dir = tmp();
    const out = path.join(dir, 'lenet.onnx');
    writeFileSync(out, 'the previous model');
    const run = await runCli(CLI, [
      '--optimizer',
      'momentum',
      '--lr',
      '1e4',
      '--epochs',
      '1',
      '--train-limit',
      '2000',
      '--out',
      out,
      '--device',
      'cpu',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /loss became (NaN|Infinity|-Infinity) .* training diverged .* nothing was written/);
    assert.equal(readFileSync(out, 'utf8'), 'the previous model');
    assert.equal(existsSync(path.join(dir, 'lenet.json')), false);
  });

  it('--init with a missing model says so, exit 2', async () => {
    const run = await runCli(CLI, ['--init', '/nonexistent/model.onnx', '--out', path.join(tmp(), 'lenet.onnx')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--init \/nonexistent\/model\.onnx: no such file/);
  });

  it('--resume without a checkpoint says where it looked', async () => {
    const dir = tmp();
    const run = await runCli(CLI, ['--resume', '--out', path.join(dir, 'lenet.onnx')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no checkpoint at .*lenet\.ckpt\.json/);
  });
});
