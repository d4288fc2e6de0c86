// The benchmarks' warm-up until steady (harness/steady.ts): when it stops, and what BENCH_WARMUP may say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Result } from '../../harness/drive.js';
import { warmUntilSteady, warmUpSetting } from '../../harness/steady.js';

/** A load whose CPU per request follows `costs`, one per window, and records the seconds it was asked for. */
function climbing(costs: number[]) {
  const asked: number[] = [];
  const load = async (seconds: number): Promise<Result> => {
    asked.push(seconds);
    const cpuMs = costs[Math.min(asked.length - 1, costs.length - 1)];
    return { rps: 2 / cpuMs, p50: 1, p99: 2, errors: 0, cpuMs };
  };
  return { asked, load };
}
const options = { window: 5, maxSeconds: 60, tolerance: 0.03, calmWindows: 2 };

test('warm-up goes on while each window is cheaper than the best so far, and stops after two that are not', async () => {
  // The climb measured on a fresh /read service: 1.93, 1.61, 1.49, 1.38 ms a read, then within 3 % of 1.38 twice.
  const { asked, load } = climbing([1.93, 1.61, 1.49, 1.38, 1.36, 1.4, 1.0]);
  const windows = await warmUntilSteady(load, options);
  assert.deepEqual(
    windows.map((w) => w.cpuMs),
    [1.93, 1.61, 1.49, 1.38, 1.36, 1.4],
  );
  assert.deepEqual(asked, [5, 5, 5, 5, 5, 5]);
});

test('a window that beats the best by more than the tolerance starts the count again', async () => {
  const { load } = climbing([2, 1.99, 1.5, 1.49, 1.5]);
  assert.equal((await warmUntilSteady(load, options)).length, 5);
});

test('a speed that never settles is cut off at maxSeconds', async () => {
  const { asked, load } = climbing(Array.from({ length: 100 }, (_, i) => 2 * 0.9 ** i));
  await warmUntilSteady(load, { ...options, maxSeconds: 22 });
  assert.equal(asked.length, 4);
});

test('without the CPU per request it judges by time per request', async () => {
  let n = 0;
  const rps = [500, 1000, 1010, 990];
  const windows = await warmUntilSteady(async () => ({ rps: rps[n++], p50: 1, p99: 2, errors: 0 }), options);
  assert.equal(windows.length, 4);
});

test('BENCH_WARMUP is "steady" or a number of seconds; anything else is refused', () => {
  assert.deepEqual(warmUpSetting('steady'), { steady: true, seconds: 2 });
  assert.deepEqual(warmUpSetting('30'), { steady: false, seconds: 30 });
  assert.deepEqual(warmUpSetting('0'), { steady: false, seconds: 0 });
  assert.throws(() => warmUpSetting('soon'), /BENCH_WARMUP is "steady" or a number of seconds, not "soon"/);
});
