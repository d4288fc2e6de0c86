// The dynamic batcher on its own, with a stub `run` that echoes its items: how batches form, what fails, when the
// queue refuses, and how long items wait. test/batcher.test.ts runs it on the real model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueFullError } from '../../src/imaging/errors.js';
import { Batcher, type BatcherOptions } from '../../src/server/batcher.js';

/** A batcher whose run answers each item with itself ×10, recording every batch it is given. */
function echo(options: Partial<BatcherOptions> = {}) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>(
    async (items) => {
      batches.push([...items]);
      return items.map((x) => x * 10);
    },
    { maxBatchSize: 32, maxDelayMs: 0, maxQueue: 1000, ...options },
  );
  return { batcher, batches };
}

/** Arrivals spread over one turn of the event loop, as the requests an HTTP server parses in one poll phase are. */
async function inOneTurn<T>(submit: (x: number) => Promise<T>, items: number[]): Promise<T[]> {
  const pending: Promise<T>[] = [];
  for (const x of items) {
    pending.push(submit(x));
    await Promise.resolve();
  }
  return Promise.all(pending);
}

describe('Batcher (stub run)', () => {
  it('a lone request runs at once; after a batch of several, a whole turn runs as one batch', async () => {
    const { batcher, batches } = echo();
    const submit = (x: number) => batcher.submit(x);
    assert.deepEqual(await inOneTurn(submit, [1]), [10]);
    assert.deepEqual(await inOneTurn(submit, [2, 3, 4]), [20, 30, 40]);
    assert.deepEqual(await inOneTurn(submit, [5, 6, 7, 8]), [50, 60, 70, 80]);
    assert.deepEqual(batches, [[1], [2], [3, 4], [5, 6, 7, 8]]);
  });

  it('never puts more than maxBatchSize items in a batch, and answers each in its place', async () => {
    const { batcher, batches } = echo({ maxBatchSize: 3 });
    const items = Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(
      await Promise.all(items.map((x) => batcher.submit(x))),
      items.map((x) => x * 10),
    );
    assert.ok(batches.every((b) => b.length <= 3));
    assert.deepEqual(batches.flat(), items);
  });

  it('submitAll queues its items together: one batch, the queue limit counting every item', async () => {
    const { batcher, batches } = echo({ maxQueue: 5 });
    assert.deepEqual(await batcher.submitAll([1, 2, 3, 4, 5]), [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [[1, 2, 3, 4, 5]]);
    assert.deepEqual(await batcher.submitAll([]), []);
    await assert.rejects(batcher.submitAll([1, 2, 3, 4, 5, 6]), QueueFullError);
  });

  it("a request's many items (a number's digits) count as one request: the next lone request after it runs at once", async () => {
    const { batcher, batches } = echo();
    const idle = () => new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await batcher.submitAll([1, 2, 3]), [10, 20, 30]);
    await idle();
    assert.deepEqual(await inOneTurn((x) => batcher.submit(x), [4, 5, 6]), [40, 50, 60]);
    assert.deepEqual(batches, [[1, 2, 3], [4], [5, 6]]);
  });

  it('maxDelayMs holds an idle batch open for stragglers', async () => {
    const { batcher, batches } = echo({ maxDelayMs: 30 });
    const first = batcher.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, batcher.submit(2), batcher.submit(3)]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('a failing batch rejects its own requests only; the next batch succeeds', async () => {
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (items.includes(-1)) throw new Error('poisoned batch');
        return items;
      },
      { maxBatchSize: 4, maxDelayMs: 0, maxQueue: 100 },
    );
    // First batch = [0] alone (an idle batcher starts at once); second = [-1, 1, 2, 3]; third = [4, 5].
    const outcomes = await Promise.allSettled([0, -1, 1, 2, 3, 4, 5].map((x) => batcher.submit(x)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /poisoned batch/);
  });

  it('a run returning the wrong number of results fails that batch instead of mismatching answers', async () => {
    const batcher = new Batcher<number, number>(async (items) => items.slice(1), { maxBatchSize: 8, maxDelayMs: 0, maxQueue: 100 });
    const outcomes = await Promise.allSettled([1, 2, 3].map((x) => batcher.submit(x)));
    assert.ok(outcomes.every((o) => o.status === 'rejected'));
  });

  it('a full queue refuses at once with QueueFullError; everything accepted is still answered', async () => {
    const { batcher } = echo({ maxBatchSize: 2, maxQueue: 3 });
    // The first starts running at once; three wait; the rest find the queue full.
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => batcher.submit(i)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected'],
    );
    const refused = (outcomes[4] as PromiseRejectedResult).reason;
    assert.ok(refused instanceof QueueFullError);
    assert.equal(refused.limit, 3);
    assert.equal(batcher.queued, 0);
  });

  it('reports how long each item waited for its batch to start', async () => {
    const waits: number[] = [];
    let release = () => {};
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (items[0] === 0) await new Promise<void>((r) => (release = r)); // the first batch holds the model
        return items;
      },
      { maxBatchSize: 8, maxDelayMs: 0, maxQueue: 100, onQueueWait: (s) => waits.push(s) },
    );
    const first = batcher.submit(0);
    const waiting = [batcher.submit(1), batcher.submit(2)];
    await new Promise((r) => setTimeout(r, 40));
    release();
    await Promise.all([first, ...waiting]);
    assert.equal(waits.length, 3, 'one wait per item');
    assert.ok(waits[0] < 0.03, `the first item started at once, not after ${waits[0]} s`);
    assert.ok(waits[1] >= 0.035 && waits[2] >= 0.035, `the others waited for the busy model: ${waits}`);
  });
});
