// The served model on its own thread (src/server/model-thread.ts): the same answers and the same load errors as a model
// loaded on the calling thread, an event loop that keeps turning while a batch runs, and no process kept alive by it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModel, type LoadedModel } from '../src/server/model.js';
import { loadModelOnThread } from '../src/server/model-thread.js';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { fixedBatchModel, modelDir } from './helpers/models.js';

describe('the model on its own thread', () => {
  let here: LoadedModel;
  let threaded: LoadedModel;
  before(async () => {
    [here, threaded] = await Promise.all([loadModel('models/lenet.onnx', 'cpu', 1), loadModelOnThread('models/lenet.onnx', 'cpu', 1)]);
  });
  after(async () => {
    await Promise.all([here.release(), threaded.release()]);
  });

  it('gives the same probabilities, bit for bit, and says the same about the model', async () => {
    const { test } = loadMnist();
    const images = toFloat(test, 0, 64);
    let seconds = -1;
    const [a, b] = [await here.run(images, 64), await threaded.run(images, 64, (s) => (seconds = s))];
    assert.equal(b.length, 640);
    assert.ok(seconds > 0 && seconds < 60, `ONNX Runtime's run time, measured on the thread: ${seconds} s`);
    assert.deepEqual(b, a);
    assert.deepEqual(threaded.info, here.info);
    assert.equal(threaded.provider, here.provider);
    // Runs sent together are answered each with its own images' probabilities.
    const runs = await Promise.all([1, 2, 3].map((n) => threaded.run(toFloat(test, 100, n), n)));
    assert.deepEqual(runs.map((r) => r.length), [10, 20, 30]);
    assert.deepEqual(runs[2].subarray(0, 10), await here.run(toFloat(test, 100, 1), 1));
  });

  it('lets the event loop turn while a batch runs', async () => {
    const n = 2048;
    const images = new Float32Array(n * 784).fill(0.5);
    const turnsDuring = async (model: LoadedModel) => {
      let turns = 0;
      let running = true;
      const spin = () => {
        if (!running) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      await model.run(images, n);
      running = false;
      return turns;
    };
    // On the calling thread ORT's run blocks the loop for the whole batch; on its own thread the loop goes on.
    const [blocked, free] = [await turnsDuring(here), await turnsDuring(threaded)];
    assert.ok(free > 10 * Math.max(1, blocked), `event-loop turns during a batch of ${n}: ${free} on a thread, ${blocked} on the calling thread`);
  });

  it('after release, a run is refused with a clear error', async () => {
    const model = await loadModelOnThread('models/lenet.onnx', 'cpu', 1);
    await model.release();
    await assert.rejects(model.run(new Float32Array(784), 1), /the inference thread exited/);
  });
});

describe('loading on a thread fails as loading here does', () => {
  const { dir } = modelDir();
  const files = {
    missing: path.join(dir, 'missing.onnx'),
    'not ONNX': path.join(dir, 'readme.onnx'),
    'batch fixed at 2': path.join(dir, 'fixed.onnx'),
  };
  writeFileSync(files['not ONNX'], 'not a model');
  writeFileSync(files['batch fixed at 2'], fixedBatchModel(2));
  for (const [what, file] of Object.entries(files)) {
    it(`${what}: the same ModelLoadError`, async () => {
      const expected = await loadModel(file, 'cpu', 1).then(
        () => assert.fail('loaded'),
        (err: Error) => err,
      );
      await assert.rejects(loadModelOnThread(file, 'cpu', 1), (err: Error) => {
        assert.equal(err.constructor.name, 'ModelLoadError');
        assert.equal(err.message, expected.message);
        return true;
      });
    });
  }
});

it('an idle model thread does not keep a process alive, and one running a batch does', () => {
  // The script ends without releasing its models, one never used: it must print the batch's result and exit on its own.
  const script = path.join(modelDir().dir, 'unreleased.mts');
  writeFileSync(script, [
    `import { loadModelOnThread } from '${path.resolve('src/server/model-thread.ts')}';`,
    "const [model, idle] = await Promise.all([1, 2].map(() => loadModelOnThread('models/lenet.onnx', 'cpu', 1)));",
    'console.log(`idle: ${idle.provider}`);',
    'model.run(new Float32Array(784), 1).then((p) => console.log(`probabilities: ${p.length}`));',
  ].join('\n'));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.signal, null, `the process did not exit on its own: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /probabilities: 10/);
});
