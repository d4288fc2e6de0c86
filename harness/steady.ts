// Warming a service up until its speed stops climbing, before it is measured. A fresh Node service gets faster for its
// first 20–40 s under load while V8 compiles its hot functions with TurboFan (each one needs thousands of calls), so a
// fixed two-second warm-up measures part of that climb. JMH's warm-up iterations and perf_analyzer's stability windows
// do the same: measure the speed the service keeps, and print the climb to it, which is what a cold start costs.
import type { Result } from './drive.js';

export interface SteadyOptions {
  /** Seconds of each warm-up window. */
  window: number;
  /** Stop after this many seconds even if the speed still moves. */
  maxSeconds: number;
  /** A window counts as faster only when it beats the best so far by more than this share. */
  tolerance: number;
  /** Steady once this many windows in a row are not faster. */
  calmWindows: number;
}

export const STEADY_DEFAULTS: SteadyOptions = { window: 5, maxSeconds: 60, tolerance: 0.03, calmWindows: 2 };

/** BENCH_WARMUP: "steady" (the default: warm until steady, then `seconds` before each run) or a fixed number of seconds. */
export function warmUpSetting(value = process.env.BENCH_WARMUP ?? 'steady'): { steady: boolean; seconds: number } {
  if (value === 'steady') return { steady: true, seconds: 2 };
  const seconds = Number(value);
  if (!(seconds >= 0)) throw new Error(`BENCH_WARMUP is "steady" or a number of seconds, not "${value}"`);
  return { steady: false, seconds };
}

/** Cost of a window: the server's CPU per request where /proc says it (steadier on a shared VM), else time per request. */
const cost = (r: Result) => r.cpuMs ?? 1000 / r.rps;

/** Runs `load(seconds)` window after window until `calmWindows` in a row fail to beat the cheapest so far by more
 * than `tolerance`, or `maxSeconds` have gone; returns every window, in order. */
export async function warmUntilSteady(
  load: (seconds: number) => Promise<Result>,
  options: SteadyOptions = STEADY_DEFAULTS,
): Promise<Result[]> {
  const windows: Result[] = [];
  let best = Number.POSITIVE_INFINITY;
  let calm = 0;
  while (calm < options.calmWindows && (windows.length + 1) * options.window <= options.maxSeconds) {
    const r = await load(options.window);
    windows.push(r);
    if (cost(r) < best * (1 - options.tolerance)) calm = 0;
    else calm++;
    best = Math.min(best, cost(r));
  }
  return windows;
}

/** The climb in one line: req/s (and CPU per request) of each warm-up window. */
export const describeClimb = (windows: Result[]): string =>
  windows.map((r) => `${Math.round(r.rps)}${r.cpuMs === undefined ? '' : `/${r.cpuMs.toFixed(2)}`}`).join(' → ');
