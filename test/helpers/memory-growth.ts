// Tells a leak from a working set that steps up once. Both raise the highest RSS seen; a leak keeps raising it, while
// V8's heap steps up by ~50 MiB once, at a moment GC timing picks (docs/performance.md). So the growth of the running
// peak over a run, less its largest rise within any `stepSeconds`, is the part no single step explains: the climb.

export interface MemoryGrowth {
  /** Rise of the running peak from the first `settleSeconds` to the end, MiB. */
  total: number;
  /** Its largest rise within any `stepSeconds`, MiB: the one step a working set may take. */
  step: number;
  /** total − step, MiB: growth that no single step explains. */
  climb: number;
}

/** `samples`: RSS in bytes, one a second. */
export function memoryGrowth(samples: number[], { settleSeconds = 15, stepSeconds = 10 } = {}): MemoryGrowth {
  const mib = samples.map((b) => b / 2 ** 20);
  if (mib.length <= settleSeconds) throw new Error(`${mib.length} samples: need more than the ${settleSeconds} s settle`);
  const running: number[] = [Math.max(...mib.slice(0, settleSeconds))];
  for (const value of mib.slice(settleSeconds)) running.push(Math.max(running[running.length - 1], value));
  let step = 0;
  for (let t = 1; t < running.length; t++) step = Math.max(step, running[t] - running[Math.max(0, t - stepSeconds)]);
  const total = running[running.length - 1] - running[0];
  return { total, step, climb: total - step };
}
