// The soak test's reading of RSS samples (test/helpers/memory-growth.ts): one step is not a leak, a climb is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryGrowth } from '../helpers/memory-growth.js';

const MiB = 2 ** 20;
/** 60 samples a second apart around `level` MiB, with a ±3 MiB wobble that GC timing gives. */
const series = (level: (t: number) => number) => Array.from({ length: 60 }, (_, t) => (level(t) + 3 * Math.sin(t * 1.7)) * MiB);

test('a flat working set has neither step nor climb beyond its wobble', () => {
  const g = memoryGrowth(series(() => 400));
  assert.ok(g.total < 3 && g.climb < 3, JSON.stringify(g));
});

test('one step of 50 MiB, even spread over 4 s across any boundary, is a step and not a climb', () => {
  for (const at of [16, 29, 30, 44, 55]) {
    const g = memoryGrowth(series((t) => 400 + 50 * Math.min(1, Math.max(0, (t - at) / 4))));
    assert.ok(g.total > 45 && g.step > 45 && g.climb < 6, `step at ${at} s: ${JSON.stringify(g)}`);
  }
});

test('a leak of 0.8 MiB/s (the old half-against-half bound caught 1.1) climbs by more than 20 MiB, with or without a step on top', () => {
  const leak = memoryGrowth(series((t) => 400 + 0.8 * t));
  assert.ok(leak.climb > 20, JSON.stringify(leak));
  const both = memoryGrowth(series((t) => 400 + 0.8 * t + (t > 35 ? 50 : 0)));
  assert.ok(both.climb > 20 && both.step > 50, JSON.stringify(both));
});

test('too few samples to settle is an error, not a pass', () => {
  assert.throws(() => memoryGrowth([1, 2, 3].map((x) => x * MiB)), /3 samples: need more than the 15 s settle/);
});
