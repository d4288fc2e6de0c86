// Weight averaging: the moving average and the mean of the last epochs the trainer keeps beside a run
// (src/train/averaging.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageAfterEpoch, averageAfterStep, updateAverage, updateMean } from '../../src/train/averaging.js';

describe('weight averaging', () => {
  it('starts as a copy of the first weights it is given, not the same array', () => {
    const params = Float32Array.from([1, -2, 3]);
    const avg = updateAverage(undefined, params, 0.9);
    assert.deepEqual(avg, params);
    params[0] = 100;
    assert.equal(avg[0], 1);
  });

  it('follows a known sequence of weights as avg ← d·avg + (1 − d)·w', () => {
    // Weights 0, 10, 20, 30 at decay 0.5: 0 → 5 → 12.5 → 21.25 (exact in float32); a second value at decay 0.75.
    const steps = [0, 10, 20, 30].map((w) => Float32Array.from([w, -w]));
    let avg: Float32Array | undefined;
    const seen: number[] = [];
    for (const w of steps) {
      avg = updateAverage(avg, w, 0.5);
      seen.push(avg[0], avg[1]);
    }
    assert.deepEqual(seen, [0, -0, 5, -5, 12.5, -12.5, 21.25, -21.25]);
  });

  it('after n steps of constant weights from a start, the start is left with weight dⁿ', () => {
    const d = 0.999;
    const avg = updateAverage(undefined, Float32Array.from([0]), d);
    const target = Float32Array.from([1]);
    for (let n = 0; n < 2000; n++) updateAverage(avg, target, d);
    assert.ok(Math.abs(avg[0] - (1 - d ** 2000)) < 1e-5, `${avg[0]} vs ${1 - d ** 2000}`);
  });

  it('decay 0 is the last weights; the same sequence twice gives the same bits', () => {
    const sequence = Array.from({ length: 50 }, (_, t) => Float32Array.from({ length: 8 }, (_, i) => Math.sin(t * 7 + i) / (t + 1)));
    let last: Float32Array | undefined;
    for (const w of sequence) last = updateAverage(last, w, 0);
    assert.deepEqual(last, sequence.at(-1));
    const run = () => sequence.reduce<Float32Array | undefined>((a, w) => updateAverage(a, w, 0.9995), undefined)!;
    assert.deepEqual(run(), run());
  });

  it('refuses weights of another length', () => {
    assert.throws(() => updateAverage(new Float32Array(3), new Float32Array(4), 0.9), /3 values cannot follow 4 parameters/);
    assert.throws(() => updateMean(new Float32Array(3), new Float32Array(4), 2), /3 values cannot follow 4 parameters/);
  });
});

describe('mean of the last epochs', () => {
  it('the running mean of a known sequence is its mean', () => {
    // 1, 2, 6, 3: means 1, 1.5, 3, 3 (exact in float32).
    let avg: Float32Array | undefined;
    const means = [1, 2, 6, 3].map((w, i) => (avg = updateMean(avg, Float32Array.from([w, 2 * w]), i + 1))[0]);
    assert.deepEqual(means, [1, 1.5, 3, 3]);
    assert.equal(avg![1], 6);
  });

  it('only the last N epochs join, however many epochs the run has; steps leave the mean alone', () => {
    const mean = (epochs: number, last: number) => {
      let avg: Float32Array | undefined;
      for (let e = 1; e <= epochs; e++) {
        avg = averageAfterStep({ lastEpochs: last }, avg, Float32Array.from([1000]));
        avg = averageAfterEpoch({ lastEpochs: last }, avg, Float32Array.from([e]), e, epochs);
      }
      return avg?.[0];
    };
    assert.equal(mean(10, 4), (7 + 8 + 9 + 10) / 4);
    assert.equal(mean(3, 8), 2); // fewer epochs than N: all of them
    assert.equal(mean(5, 1), 5);
  });

  it('a moving average moves with the steps and not at the ends of epochs; no averaging keeps nothing', () => {
    const ema = { ema: 0.5 };
    const avg = averageAfterStep(ema, undefined, Float32Array.from([4]));
    assert.equal(averageAfterEpoch(ema, avg, Float32Array.from([100]), 1, 1), avg);
    assert.equal(averageAfterStep(ema, avg, Float32Array.from([0]))![0], 2);
    assert.equal(averageAfterStep(undefined, undefined, Float32Array.from([4])), undefined);
    assert.equal(averageAfterEpoch(undefined, undefined, Float32Array.from([4]), 1, 1), undefined);
  });
});
