// A CI-sized line-model training run (the tiny recipe, seconds): the CTC loss falls on the lines it trained on, and the
// exported model loads in ONNX Runtime with the contract's shapes, its card beside it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { BLANK, LINE_CLASSES, LINE_INPUT, LINE_SCORES, lineFrames } from '../src/model/line.js';
import { buildLineForward } from '../src/model/line-graphs.js';
import { PARAMS_INPUT } from '../src/model/train-step.js';
import { ctcBatch } from '../src/train/ctc.js';
import { loadLineCheckpoint, saveLineCheckpoint } from '../src/train/line-checkpoint.js';
import { exportLineModel, type LineCard } from '../src/train/line-export.js';
import { LINE_RECIPES, writerHabits } from '../src/train/line-recipe.js';
import { trainLine, type LineCheckpoint } from '../src/train/line-trainer.js';
import { trainingFontDigits, TRAINING_POINTS } from '../src/train/lines/glyphs.js';
import { LINE_PACKAGED_FONTS } from '../src/synth/packaged-fonts.js';
import { trainingChunk, type LineBatch } from '../src/train/lines/training-line.js';
import { warmStartFromLenet } from '../src/train/lines/warm-start.js';
import { loadMnist } from '../src/train/mnist.js';
import { ModelWeightsError } from '../src/model/model-weights.js';
import { runCli } from './helpers/cli.js';
import { misleadingModels } from './helpers/models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'line-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function meanLoss(params: Float32Array, batches: LineBatch[]): Promise<number> {
  const session = await ort.InferenceSession.create(buildLineForward());
  let sum = 0;
  for (const b of batches) {
    const out = await session.run({
      [LINE_INPUT]: new ort.Tensor('float32', b.data, [b.n, 1, 28, b.width]),
      [PARAMS_INPUT]: new ort.Tensor('float32', params, [params.length]),
    });
    const s = out[LINE_SCORES];
    sum += ctcBatch(s.data as Float32Array, b.n, s.dims[1], LINE_CLASSES, b.labels, BLANK, b.widths.map(lineFrames)).loss;
  }
  await session.release();
  return sum / batches.length;
}

describe('line model training (tiny recipe)', () => {
  it("the loss falls, and the export loads with the contract's shapes", async () => {
    const recipe = LINE_RECIPES.tiny;
    const start = warmStartFromLenet('models/lenet.onnx');
    const ckpt: LineCheckpoint = {
      recipe,
      step: 0,
      params: start.params.slice(),
      state: new Map(),
      history: [],
      lossCurve: [],
      seconds: 0,
      lines: 0,
      warmStart: start.from,
    };
    const { checkpoint, stopped } = await trainLine(ckpt, { recordEvery: recipe.steps });
    assert.equal(stopped, false);
    assert.equal(checkpoint.step, recipe.steps);
    assert.ok(checkpoint.lines > 0);

    // The same chunk the data worker made for the run (seeded): the lines the run learnt from.
    const mnist = loadMnist().train;
    const fonts = await trainingFontDigits();
    const seen = await trainingChunk(
      { mnist, fonts, fontShare: recipe.fontShare, habits: writerHabits(recipe) },
      recipe.seed,
      0,
      recipe.chunkBatches,
      recipe.batchSize,
    );
    const before = await meanLoss(start.params, seen);
    const afterTraining = await meanLoss(checkpoint.params, seen);
    assert.ok(afterTraining < 0.8 * before, `CTC loss ${before.toFixed(2)} → ${afterTraining.toFixed(2)}`);

    // A candidate written under another name is still the line model to /read (the name it reports).
    const file = path.join(dir, 'line-candidate.onnx');
    const card = await exportLineModel(file, { checkpoint, command: 'test' });
    assert.equal(card.name, 'line');
    const bytes = readFileSync(file);
    assert.equal(card.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.ok(bytes.length < 2_000_000, `${bytes.length} bytes`);
    const written = JSON.parse(readFileSync(path.join(dir, 'line-candidate.json'), 'utf8')) as LineCard;
    assert.equal(written.sha256, card.sha256);
    assert.deepEqual(written.recipe, recipe);

    const session = await ort.InferenceSession.create(file);
    assert.deepEqual(session.inputNames, [LINE_INPUT]);
    assert.deepEqual(session.outputNames, [LINE_SCORES]);
    for (const width of [28, 75]) {
      const out = await session.run({ [LINE_INPUT]: new ort.Tensor('float32', new Float32Array(3 * 28 * width), [3, 1, 28, width]) });
      assert.deepEqual(out[LINE_SCORES].dims, [3, lineFrames(width), LINE_CLASSES]);
    }
    await session.release();
  });

  it("a run stopped after 5 steps and resumed from its checkpoint ends with the uninterrupted run's weights", async () => {
    const recipe = { ...LINE_RECIPES.tiny, steps: 8 };
    const start = warmStartFromLenet('models/lenet.onnx');
    const fresh = (): LineCheckpoint => ({
      recipe,
      step: 0,
      params: start.params.slice(),
      state: new Map(),
      history: [],
      lossCurve: [],
      seconds: 0,
      lines: 0,
    });
    const whole = await trainLine(fresh(), { recordEvery: recipe.steps });
    let steps = 0;
    const first = await trainLine(fresh(), { recordEvery: recipe.steps, shouldStop: () => ++steps === 5 });
    assert.equal(first.stopped, true);
    assert.equal(first.checkpoint.step, 5);
    const file = path.join(dir, 'line.ckpt.json');
    await saveLineCheckpoint(file, first.checkpoint);
    const resumed = await trainLine(loadLineCheckpoint(file), { recordEvery: recipe.steps });
    assert.equal(resumed.checkpoint.step, recipe.steps);
    assert.deepEqual(resumed.checkpoint.params, whole.checkpoint.params);
  });
});

describe('npm run train:line -- --help', () => {
  it('names every line recipe', async () => {
    const help = await runCli('src/train/line-cli.ts', ['--help']);
    assert.equal(help.code, 0, help.stderr);
    const names = /--recipe NAME\s+([\s\S]*?)\[default\]/
      .exec(help.stdout)![1]
      .split(/[\s|]+/)
      .filter((n) => n !== '' && n !== '(for' && n !== 'tests)');
    assert.deepEqual(names, Object.keys(LINE_RECIPES));
  });
});

describe("the line recipes' fonts", () => {
  it("every packaged font is installed by npm and typed in a face of its own, not pango's fallback", async () => {
    const before = await trainingFontDigits();
    const fonts = await trainingFontDigits([], LINE_PACKAGED_FONTS);
    assert.equal(fonts.length, before.length + LINE_PACKAGED_FONTS.length * TRAINING_POINTS.length);
    const zeros = fonts.slice(before.length).map(({ glyphs: [zero] }) => Buffer.from(zero!.data).toString('base64'));
    assert.equal(new Set(zeros).size, zeros.length, 'two packaged fonts typed the same 0');
  });
});

describe('the warm start', () => {
  it('refuses a model file cut short or whose tensors lie about their sizes, each with a clear error', () => {
    const file = path.join(dir, 'misleading.onnx');
    for (const [what, bytes, error] of misleadingModels('models/lenet.onnx')) {
      writeFileSync(file, bytes);
      assert.throws(
        () => warmStartFromLenet(file),
        (err: Error) => err instanceof ModelWeightsError && error.test(err.message),
        what,
      );
    }
    assert.throws(() => warmStartFromLenet(path.join(dir, 'none.onnx')), /none\.onnx: no such file/);
  });
});
