// The soak test's reading of RSS samples (test/helpers/memory-growth.ts): one step is not a leak, a climb is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastRise, memoryGrowth, roundsUntilSettled } from '../helpers/memory-growth.js';

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

test('the last 30 s: a leak of 0.3 MiB/s still rises by 8 MiB; a flat set, or steps before them, do not', () => {
  assert.ok(
    lastRise(
      series((t) => 400 + 0.3 * t),
      30,
    ) > 8,
  );
  assert.ok(
    lastRise(
      series(() => 400),
      30,
    ) < 3,
  );
  assert.ok(
    lastRise(
      series((t) => 400 + (t > 10 ? 25 : 0) + (t > 25 ? 25 : 0)),
      30,
    ) < 3,
    'two steps before the last 30 s',
  );
  assert.ok(
    lastRise(
      series((t) => 400 + (t > 40 ? 25 : 0)),
      30,
    ) > 20,
    'a step inside them is not yet held',
  );
  assert.throws(() => lastRise(series(() => 400).slice(0, 30), 30), /30 samples: need more than the 30/);
});

test('rounds until settled: a set that steps up and falls back settles; a leak of 5 MiB a round under the same saw does not', async () => {
  const run = async (level: (round: number) => number) => {
    let round = 0;
    return roundsUntilSettled(
      async (i) => void (round = i + 1),
      () => level(round) * MiB,
      { window: 8, riseMiB: 24, maxRounds: 30 },
    );
  };
  // A pool's heap climbing 20 MiB a round until its GC every fifth round (what the hostile-requests test sees).
  for (const cycle of [3, 5, 7]) {
    const sawtooth = await run((r) => 400 + 20 * (r % cycle));
    assert.ok(sawtooth.settled && sawtooth.samples.length < 18, `cycle ${cycle}: ${JSON.stringify(sawtooth)}`);
    const leak = await run((r) => 400 + 5 * r + 20 * (r % cycle));
    assert.ok(!leak.settled && leak.rise >= 24 && leak.samples.length === 31, `cycle ${cycle}: ${JSON.stringify(leak)}`);
  }
});
