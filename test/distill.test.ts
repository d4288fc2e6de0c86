// Distillation (src/train/teachers.ts): real teachers (the committed model), real ONNX Runtime, real MNIST.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES } from '../src/model/input-contract.js';
import { DataType, encodeModel, makeGraph, makeModel, makeNode, makeValueInfo } from '../src/model/onnx-builder.js';
import { buildGradientStep } from '../src/model/train-step.js';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { RECIPES, type Recipe } from '../src/train/recipes.js';
import { openTeachers, pinTeacher, TeacherError } from '../src/train/teachers.js';
import { train } from '../src/train/trainer.js';
import { runCli } from './helpers/cli.js';

const data = loadMnist();
const MODEL = 'models/lenet.onnx';
const CLI = 'src/train/cli.ts';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'lenet-distill-'));

describe('teachers', () => {
  it("soften mixes the teachers' mean reading into each digit's target and leaves a non-digit uniform", async () => {
    const n = 4;
    const image = toFloat(data.train, 100, n);
    const digits = Uint8Array.from([...data.train.labels.subarray(100, 103), CLASSES]);
    const target = new Float32Array(n * CLASSES).fill(-1);
    target.fill(0.1, 3 * CLASSES); // the trainer's non-digit row
    const teachers = await openTeachers({ teachers: [pinTeacher(MODEL), pinTeacher(MODEL)], weight: 0.3 }, 'cpu');
    await teachers.soften({ image, target, digits, n });
    await teachers.close();

    const session = await ort.InferenceSession.create(MODEL);
    const p = (await session.run({ image: new ort.Tensor('float32', image, batchShape(n)) })).probabilities.data as Float32Array;
    await session.release();
    for (let i = 0; i < 3; i++) {
      let sum = 0;
      for (let c = 0; c < CLASSES; c++) {
        const want = 0.7 * (c === digits[i] ? 1 : 0) + 0.3 * p[i * CLASSES + c];
        assert.ok(Math.abs(target[i * CLASSES + c] - want) < 1e-6, `row ${i}, class ${c}: ${target[i * CLASSES + c]} vs ${want}`);
        sum += target[i * CLASSES + c];
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
    }
    assert.deepEqual([...target.subarray(3 * CLASSES)], new Array(CLASSES).fill(Math.fround(0.1)));
  });

  it('a teacher that is not the pinned file is refused, naming both hashes', async () => {
    const pinned = pinTeacher(MODEL);
    const other = { ...pinned, sha256: createHash('sha256').update('another model').digest('hex') };
    await assert.rejects(openTeachers({ teachers: [pinned, other], weight: 0.5 }, 'cpu'), (err: Error) => {
      assert.ok(err instanceof TeacherError);
      assert.match(
        err.message,
        new RegExp(`teacher ${MODEL} has sha256 ${pinned.sha256.slice(0, 12)}…, the recipe pins ${other.sha256.slice(0, 12)}…`),
      );
      return true;
    });
  });

  it('a model that does not read images into probabilities is refused', async () => {
    const file = path.join(tmp(), 'gradient.onnx');
    writeFileSync(file, buildGradientStep(RECIPES.default.arch));
    await assert.rejects(openTeachers({ teachers: [pinTeacher(file)], weight: 0.5 }, 'cpu'), /is not an image → probabilities model/);
  });

  it('a model with the right names but not the served contract is refused, saying what it takes or gives', async () => {
    const dir = tmp();
    /** image → Softmax(Flatten(image)) named probabilities, with the input declared as `inputShape`. */
    const model = (name: string, inputShape: Array<number | string>) => {
      const nodes = [makeNode('Flatten', ['image'], ['flat'], { axis: 1 }), makeNode('Softmax', ['flat'], ['probabilities'], { axis: 1 })];
      const graph = makeGraph(
        nodes,
        'not-lenet',
        [makeValueInfo('image', DataType.FLOAT, inputShape)],
        [makeValueInfo('probabilities', DataType.FLOAT, ['N', 'K'])],
      );
      const file = path.join(dir, name);
      writeFileSync(file, encodeModel(makeModel(graph)));
      return file;
    };
    const flat = model('flat-input.onnx', ['N', 784]);
    await assert.rejects(
      openTeachers({ teachers: [pinTeacher(flat)], weight: 0.5 }, 'cpu'),
      new RegExp(`teacher ${flat} does not take float32 \\[N,1,28,28\\]`),
    );
    const wide = model('784-classes.onnx', ['N', 1, 28, 28]);
    await assert.rejects(
      openTeachers({ teachers: [pinTeacher(wide)], weight: 0.5 }, 'cpu'),
      new RegExp(`teacher ${wide} gives probabilities of shape \\[1,784\\] for one picture, not \\[1,10\\]`),
    );
  });

  it('a missing teacher, a directory or a file that is not ONNX is an error naming it', async () => {
    assert.throws(() => pinTeacher('models/no-such-teacher.onnx'), /teacher models\/no-such-teacher.onnx: no such file/);
    assert.throws(
      () => pinTeacher('models'),
      (err: Error) => err instanceof TeacherError && /^teacher models: .*directory/.test(err.message),
    );
    const huge = path.join(tmp(), 'huge.onnx');
    writeFileSync(huge, '');
    truncateSync(huge, 513 * 2 ** 20); // sparse: its size is declared, never read
    assert.throws(
      () => pinTeacher(huge),
      (err: Error) => err instanceof TeacherError && err.message === `teacher ${huge}: 513 MiB, over the 512 MiB a teacher may be`,
    );
    const truncated = path.join(tmp(), 'truncated.onnx');
    writeFileSync(truncated, readFileSync(MODEL).subarray(0, 5000));
    await assert.rejects(openTeachers({ teachers: [pinTeacher(truncated)], weight: 0.5 }, 'cpu'), (err: Error) => {
      assert.ok(err instanceof TeacherError, err.message);
      assert.match(err.message, new RegExp(`^teacher ${truncated} is not a model ONNX Runtime can open: `));
      return true;
    });
  });
});

describe('a distilled run', () => {
  const recipe: Recipe = { ...RECIPES.default, epochs: 1 };
  const run = async (r: Recipe) => {
    const result = await train({ recipe: r, data, device: 'cpu', trainLimit: 1280 });
    assert.equal(result.status, 'done');
    return result.status === 'done' ? result.params : new Map();
  };

  it('learns from its teachers: weight 0 trains bit for bit as no teachers, weight 0.5 differently', async () => {
    const plain = await run(recipe);
    const weightZero = await run({ ...recipe, distill: { teachers: [pinTeacher(MODEL)], weight: 0 } });
    const distilled = await run({ ...recipe, distill: { teachers: [pinTeacher(MODEL)], weight: 0.5 } });
    for (const [name, values] of plain) assert.deepEqual(weightZero.get(name), values, name);
    assert.notDeepEqual(distilled.get('fc2.weight'), plain.get('fc2.weight'));
  });

  it('the CLI pins the teachers in the card, and refuses a missing one or a weight without teachers', async () => {
    const dir = tmp();
    const out = path.join(dir, 'student.onnx');
    const ok = await runCli(CLI, [
      '--epochs',
      '1',
      '--train-limit',
      '640',
      '--teachers',
      MODEL,
      '--teacher-weight',
      '0.4',
      '--out',
      out,
      '--device',
      'cpu',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const card = JSON.parse(readFileSync(path.join(dir, 'student.json'), 'utf8'));
    assert.deepEqual(card.recipe.distill, {
      teachers: [{ file: MODEL, sha256: createHash('sha256').update(readFileSync(MODEL)).digest('hex') }],
      weight: 0.4,
    });

    const missing = await runCli(CLI, ['--epochs', '1', '--train-limit', '640', '--teachers', 'models/nope.onnx', '--out', out]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /error: teacher models\/nope.onnx: no such file/);
    const weightOnly = await runCli(CLI, ['--teacher-weight', '0.5', '--out', out]);
    assert.equal(weightOnly.code, 2);
    assert.match(weightOnly.stderr, /--teacher-weight: the recipe has no teachers; name them with --teachers/);
  });
});
