// Augmentation and the robustness evaluation: real MNIST digits, the service's own normalisation, real ONNX Runtime.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { toMnist } from '../src/imaging/mnist-normalise.js';
import { augmentedInto, distortRandomly, normalise, sampleRng } from '../src/train/augment.js';
import { blur, CANVAS, lowResolution, onCanvas, pen, warp } from '../src/train/distort.js';
import { loadMnist } from '../src/train/mnist.js';
import { RECIPES, type RecipeName } from '../src/train/recipes.js';
import { evaluateRobustness, FAMILIES, FORMS, STRENGTHS } from '../src/train/robustness.js';
import { runCli } from './helpers/cli.js';
import { geometry } from './helpers/geometry.js';

const data = loadMnist();
const digit = (i: number) => data.test.images.subarray(i * 784, (i + 1) * 784);
const aug = RECIPES.default.augment!;
const mass = (img: Uint8Array) => img.reduce((a, b) => a + b, 0);

describe('distortions', () => {
  it('an identity warp is the digit placed on the canvas', () => {
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(warp(digit(i), { rotate: 0, scaleX: 1, scaleY: 1, shear: 0, elastic: 0 }), onCanvas(digit(i)));
    }
  });

  it('a thicker pen adds ink, a thinner one removes it, blur keeps it', () => {
    for (let i = 0; i < 20; i++) {
      const plain = mass(onCanvas(digit(i)));
      assert.ok(mass(pen(onCanvas(digit(i)), CANVAS, 1)) > plain * 1.2);
      assert.ok(mass(pen(onCanvas(digit(i)), CANVAS, -0.5)) < plain * 0.85);
      assert.ok(Math.abs(mass(blur(onCanvas(digit(i)), CANVAS, 1)) - plain) < plain * 0.02);
    }
  });

  it('a low-resolution scan keeps the canvas size and blurs the strokes', () => {
    const img = lowResolution(onCanvas(digit(0)), CANVAS, 8);
    assert.equal(img.length, CANVAS * CANVAS);
    const levels = new Set(img);
    assert.ok(levels.size > 50, 'upscaling interpolates many grey levels');
  });
});

describe('augmentation', () => {
  it('is a function of (seed, epoch, index): the same image again is the same bytes, another epoch is not', () => {
    const a = new Float32Array(784);
    const b = new Float32Array(784);
    let differs = 0;
    for (let i = 0; i < 50; i++) {
      augmentedInto(a, 0, digit(i), aug, 2, sampleRng(42, 3, i));
      augmentedInto(b, 0, digit(i), aug, 2, sampleRng(42, 3, i));
      assert.deepEqual(a, b);
      augmentedInto(b, 0, digit(i), aug, 2, sampleRng(42, 4, i));
      if (a.some((v, k) => v !== b[k])) differs++;
    }
    assert.ok(differs > 40, `${differs} of 50 differ between epochs`);
  });

  it("distorts about the recipe's share of the images", () => {
    let distorted = 0;
    for (let i = 0; i < 400; i++) if (sampleRng(42, 0, i)() < aug.share) distorted++;
    assert.ok(Math.abs(distorted / 400 - aug.share) < 0.08);
  });

  it("gives what the service's normalisation gives: the ink fits 20×20 with its centre of mass at the centre", () => {
    for (let i = 0; i < 100; i++) {
      const out = distortRandomly(digit(i), aug, sampleRng(7, 0, i));
      if (!out) continue;
      const g = geometry(out);
      assert.ok(Math.max(g.width, g.height) <= 20 + 1, `digit ${i}: ${g.width}×${g.height}`);
      assert.ok(Math.abs(g.cx - 14) <= 1.5 && Math.abs(g.cy - 14) <= 1.5, `digit ${i}: centre ${g.cx}, ${g.cy}`);
    }
  });

  it("normalise() is the service's toMnist on the canvas", () => {
    const canvas = warp(digit(5), { rotate: 12, scaleX: 1.1, scaleY: 0.9, shear: 0.2, elastic: 0 });
    const grey = {
      data: Uint8Array.from(canvas),
      width: CANVAS,
      height: CANVAS,
      alphaIsInk: false,
      lo: Math.min(...canvas),
      hi: Math.max(...canvas),
    };
    assert.deepEqual(normalise(Uint8Array.from(canvas), CANVAS), toMnist(grey));
  });
});

describe('robustness evaluation', () => {
  it('every family has three strengths and every copy is made the same way each time', async () => {
    assert.ok(FAMILIES.every((f) => f.levels.length === STRENGTHS.length));
    const session = await ort.InferenceSession.create('models/lenet.onnx');
    const first = await evaluateRobustness(session, data.test, 200);
    const second = await evaluateRobustness(session, data.test, 200);
    assert.deepEqual(first, second);
    assert.equal(first.images, 200);
    assert.equal(first.families.length, FAMILIES.length);
    assert.equal(first.forms.length, FORMS.length);
    for (const f of first.families) {
      for (const l of f.levels) assert.ok(l.accuracy > 0.5 && l.accuracy <= 1, `${f.name} ${l.strength}: ${l.accuracy}`);
      // Stronger distortions are no easier than milder ones, give or take a digit or two of the 200.
      assert.ok(f.levels[2].accuracy <= f.levels[0].accuracy + 0.01, f.name);
    }
  });

  it("the committed model card records its recipe's augmentation and non-digits, the plain accuracy and the robustness", () => {
    const card = JSON.parse(readFileSync('models/lenet.json', 'utf8'));
    assert.deepEqual(card.recipe.augment, RECIPES[card.recipe.name as RecipeName].augment);
    assert.equal(card.recipe.notDigits, RECIPES[card.recipe.name as RecipeName].notDigits);
    // The schedule and the weight averaging too: the recipe as it stands must still make the committed model.
    assert.equal(card.recipe.epochs, RECIPES[card.recipe.name as RecipeName].epochs);
    assert.deepEqual(card.recipe.average, RECIPES[card.recipe.name as RecipeName].average);
    assert.equal(card.robustness.images, data.test.count);
    assert.equal(card.robustness.plain, card.testAccuracy);
    assert.deepEqual(
      card.robustness.families.map((f: { name: string }) => f.name),
      FAMILIES.map((f) => f.name),
    );
    assert.deepEqual(
      card.robustness.forms.map((f: { name: string }) => f.name),
      FORMS.map(([name]) => name),
    );
  });

  it("the committed model's temperature was fitted on training digits it never trained on, and names the model", () => {
    const card = JSON.parse(readFileSync('models/lenet.json', 'utf8'));
    assert.equal(card.trainImages, card.recipe.trainImages);
    const [, from, to] = /^mnist train\[(\d+):(\d+)\]$/.exec(card.calibration.fittedOn)!.map(Number);
    assert.ok(from >= card.trainImages && to <= data.train.count && to - from >= 1000, card.calibration.fittedOn);
    assert.equal(card.calibration.sha256, card.sha256);
  });

  it('npm run eval -- --robust prints the table for the committed model', async () => {
    const run = await runCli('src/train/eval-cli.ts', ['--robust', '--limit', '200', '--device', 'cpu'], { timeoutMs: 300_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /models\/lenet\.onnx on 10000 MNIST test images/);
    assert.match(run.stdout, /MNIST test, 200 images/);
    for (const f of FAMILIES) assert.match(run.stdout, new RegExp(`^${f.name} +\\d+\\.\\d\\d% +\\d+\\.\\d\\d% +\\d+\\.\\d\\d%`, 'm'));
    for (const [name] of FORMS) assert.ok(run.stdout.includes(name), name);
  });

  it('npm run eval rejects a bad --limit with usage', async () => {
    const run = await runCli('src/train/eval-cli.ts', ['--robust', '--limit', 'many']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--limit must be a positive whole number/);
    assert.match(run.stderr, /usage: npm run eval/);
  });
});
