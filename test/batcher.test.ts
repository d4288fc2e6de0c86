// The dynamic batcher, on the committed model through real ONNX Runtime: results reach the right requests whatever
// the order, batches really form under concurrency, a failing batch fails only its own requests, a full queue refuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Batcher, QueueFullError } from '../src/server/batcher.js';
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

const close = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);

describe('Batcher with the real model', () => {
  it('concurrent requests in any order are batched and each gets its own answer', async () => {
    for (const seed of [1, 2, 3]) {
      const sizes: number[] = [];
      const inference = createInference(new ModelSlot(model, false), { maxBatchSize: 32, maxDelayMs: 0, maxQueue: 1000 }, ({ size }) => sizes.push(size));
      const order = Array.from(permutation(N, createRng(seed)));
      const results = await Promise.all(order.map((i) => inference.submit(image(i))));
      order.forEach((i, k) => assert.ok(close(results[k].probabilities, alone[i]), `image ${i} got another image's answer`));
      assert.equal(sizes.reduce((a, b) => a + b, 0), N);
      assert.ok(Math.max(...sizes) > 1, 'no batch formed');
      assert.ok(Math.max(...sizes) <= 32, 'maxBatchSize exceeded');
    }
  });

  it('submitAll queues its items together: one batch, each answer in its place, the queue limit counting every item', async () => {
    const sizes: number[] = [];
    const inference = createInference(new ModelSlot(model, false), { maxBatchSize: 32, maxDelayMs: 0, maxQueue: 40 }, ({ size }) => sizes.push(size));
    const ids = [9, 4, 1, 7, 3];
    const results = await inference.submitAll(ids.map(image));
    assert.deepEqual(sizes, [5], 'the items ran as one batch');
    ids.forEach((i, k) => assert.ok(close(results[k].probabilities, alone[i]), `item ${k} got another image's answer`));
    assert.deepEqual(await inference.submitAll([]), []);
    await assert.rejects(inference.submitAll(Array.from({ length: 41 }, (_, i) => image(i))), QueueFullError);
  });

  it('under load, requests arriving in one turn of the event loop form one batch; a lone request starts at once', async () => {
    const sizes: number[] = [];
    const inference = createInference(new ModelSlot(model, false), { maxBatchSize: 32, maxDelayMs: 0, maxQueue: 1000 }, ({ size }) => sizes.push(size));
    // Arrivals spread over one turn, as the requests an HTTP server parses in one poll phase are.
    const inOneTurn = async (images: number[]) => {
      const pending: Promise<unknown>[] = [];
      for (const i of images) {
        pending.push(inference.submit(image(i)));
        await Promise.resolve(); // the next arrival comes in a later callback of the same turn
      }
      await Promise.all(pending);
    };
    await inOneTurn([0]);
    await inOneTurn([1]);
    assert.deepEqual(sizes, [1, 1], 'a lone request runs alone, at once');
    await inOneTurn([2, 3, 4]);
    assert.deepEqual(sizes.slice(2), [1, 2], 'after a lone request the next starts at once; the rest follow together');
    await inOneTurn([5, 6, 7, 8]);
    assert.deepEqual(sizes.slice(4), [4], 'after a batch of several, the whole turn waits and runs as one batch');
  });

  it('maxDelayMs holds an idle batch open for stragglers', async () => {
    const sizes: number[] = [];
    const inference = createInference(new ModelSlot(model, false), { maxBatchSize: 64, maxDelayMs: 30, maxQueue: 1000 }, ({ size }) => sizes.push(size));
    const pending = [inference.submit(image(0))];
    await new Promise((r) => setTimeout(r, 5));
    pending.push(inference.submit(image(1)), inference.submit(image(2)));
    const results = await Promise.all(pending);
    assert.deepEqual(sizes, [3]);
    results.forEach((r, i) => assert.ok(close(r.probabilities, alone[i])));
  });

  it('the inference time it reports is the run, not the wait for the event loop to reach it', async () => {
    const seconds: number[] = [];
    const inference = createInference(new ModelSlot(model, false), { maxBatchSize: 8, maxDelayMs: 0, maxQueue: 1000 }, (b) => seconds.push(b.seconds));
    // Other work queued on the event loop before the batch: 100 ms of it, which a clock started at run() would count.
    setImmediate(() => {
      const until = performance.now() + 100;
      while (performance.now() < until);
    });
    const started = performance.now();
    await inference.submit(image(0));
    assert.ok(performance.now() - started >= 100, 'the batch did not wait for the busy callback; the test proves nothing');
    assert.equal(seconds.length, 1);
    assert.ok(seconds[0] < 0.05, `reported ${(seconds[0] * 1000).toFixed(1)} ms for one image`);
  });
});

describe('Batcher failure handling', () => {
  it('a failing batch rejects its own requests only; the next batch succeeds', async () => {
    // The run function is the model's contract; here it fails any batch that contains a NaN image.
    const batcher = new Batcher<Float32Array, Float32Array>(
      async (items) => {
        if (items.some((x) => Number.isNaN(x[0]))) throw new Error('poisoned batch');
        return Promise.all(items.map((x) => model.run(x, 1)));
      },
      { maxBatchSize: 4, maxDelayMs: 0, maxQueue: 100 },
    );
    const poisoned = new Float32Array(784).fill(Number.NaN);
    // First batch = [0] alone (the idle model starts at once); second = [poison, 1, 2, 3]; third = [4, 5].
    const outcomes = await Promise.allSettled([image(0), poisoned, image(1), image(2), image(3), image(4), image(5)].map((x) => batcher.submit(x)));
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /poisoned batch/);
    assert.ok(close((outcomes[5] as PromiseFulfilledResult<Float32Array>).value, alone[4]));
  });

  it('a run returning the wrong number of results fails that batch instead of mismatching answers', async () => {
    const batcher = new Batcher<number, number>(async (items) => items.slice(1), { maxBatchSize: 8, maxDelayMs: 0, maxQueue: 100 });
    const outcomes = await Promise.allSettled([1, 2, 3].map((x) => batcher.submit(x)));
    assert.ok(outcomes.every((o) => o.status === 'rejected'));
  });

  it('a full queue refuses at once with QueueFullError; everything accepted is still answered', async () => {
    const inference = createInference(new ModelSlot(model, false), { maxBatchSize: 2, maxDelayMs: 0, maxQueue: 3 });
    // The first starts running at once; three wait; the rest find the queue full.
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => inference.submit(image(i))));
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected']);
    for (const o of outcomes.slice(4)) assert.ok((o as PromiseRejectedResult).reason instanceof QueueFullError);
    outcomes.slice(0, 4).forEach((o, i) => assert.ok(close((o as PromiseFulfilledResult<{ probabilities: Float32Array }>).value.probabilities, alone[i])));
    assert.equal(inference.queued, 0);
  });
});
