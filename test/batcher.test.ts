// Inference through the dynamic batcher on the committed model and real ONNX Runtime: results reach the right requests
// whatever the order, batches really form under concurrency, each answer is a prediction. How batches form, fail and
// refuse is tested with a stub run in test/unit/batcher.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueueFullError } from '../src/imaging/errors.js';
import { createInference } from '../src/server/inference.js';
import { loadModel, type LoadedModel } from '../src/server/model.js';
import { ModelSlot } from '../src/server/model-slot.js';
import { createRng, permutation } from '../src/model/random.js';
import { loadMnist, toFloat } from '../src/train/mnist.js';

const { test: mnist } = loadMnist();
const image = (i: number) => toFloat(mnist, i, 1);
let model: LoadedModel;
/** Each image run alone: what the batched answers must equal. */
const alone: Float32Array[] = [];
const N = 96;

before(async () => {
  model = await loadModel('models/lenet.onnx', 'cpu', 1);
  for (let i = 0; i < N; i++) alone.push(await model.run(image(i), 1));
});
after(() => model.release());

const close = (a: ArrayLike<number>, b: Float32Array) => Array.from(a).every((v, i) => Math.abs(v - b[i]) < 1e-6);

describe('inference with the real model', () => {
  it('concurrent requests in any order are batched and each gets its own answer', async () => {
    for (const seed of [1, 2, 3]) {
      const sizes: number[] = [];
      const inference = createInference(
        new ModelSlot(model, false),
        { maxBatchSize: 32, maxDelayMs: 0, maxQueue: 1000 },
        { batch: ({ size }) => sizes.push(size) },
      );
      const order = Array.from(permutation(N, createRng(seed)));
      const results = await Promise.all(order.map((i) => inference.predict(image(i))));
      order.forEach((i, k) => assert.ok(close(results[k].probabilities, alone[i]), `image ${i} got another image's answer`));
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        N,
      );
      assert.ok(Math.max(...sizes) > 1, 'no batch formed');
      assert.ok(Math.max(...sizes) <= 32, 'maxBatchSize exceeded');
    }
  });

  it('submitAll queues its items together: one batch, each answer in its place, the queue limit counting every item', async () => {
    const sizes: number[] = [];
    const inference = createInference(
      new ModelSlot(model, false),
      { maxBatchSize: 32, maxDelayMs: 0, maxQueue: 40 },
      { batch: ({ size }) => sizes.push(size) },
    );
    const ids = [9, 4, 1, 7, 3];
    const results = await inference.predictAll(ids.map(image));
    assert.deepEqual(sizes, [5], 'the items ran as one batch');
    ids.forEach((i, k) => assert.ok(close(results[k].probabilities, alone[i]), `item ${k} got another image's answer`));
    for (const r of results) {
      assert.equal(r.digit, r.probabilities.indexOf(Math.max(...r.probabilities)));
      assert.deepEqual(Object.keys(r.model), ['name', 'version', 'sha256']);
      assert.equal(r.executionProvider, 'cpu');
    }
    assert.deepEqual(await inference.predictAll([]), []);
    await assert.rejects(inference.predictAll(Array.from({ length: 41 }, (_, i) => image(i))), QueueFullError);
  });

  it('the inference time it reports is the run, not the wait for the event loop to reach it', async () => {
    const seconds: number[] = [];
    const inference = createInference(
      new ModelSlot(model, false),
      { maxBatchSize: 8, maxDelayMs: 0, maxQueue: 1000 },
      { batch: (b) => seconds.push(b.seconds) },
    );
    // Other work queued on the event loop before the batch: 100 ms of it, which a clock started at run() would count.
    // Three times, the fastest counted: a loaded machine can stall one run itself; the old clock counted the 100 ms each time.
    for (let i = 0; i < 3; i++) {
      setImmediate(() => {
        const until = performance.now() + 100;
        while (performance.now() < until);
      });
      const started = performance.now();
      await inference.predict(image(i));
      assert.ok(performance.now() - started >= 100, 'the batch did not wait for the busy callback; the test proves nothing');
    }
    assert.equal(seconds.length, 3);
    assert.ok(Math.min(...seconds) < 0.05, `reported ${seconds.map((x) => (x * 1000).toFixed(1)).join(', ')} ms for one image`);
  });
});
