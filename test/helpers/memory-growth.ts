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

/** The rise of the running peak over the last `window` samples, MiB: 0 once the level of every sample before them has
 * held that long. A leak of r per sample never gets this under `r × window`; a working set, however many steps it
 * takes, gets it to its wobble once it has reached its level. */
export function lastRise(samples: number[], window: number): number {
  if (samples.length <= window) throw new Error(`${samples.length} samples: need more than the ${window} to compare`);
  const before = Math.max(...samples.slice(0, samples.length - window));
  return Math.max(0, Math.max(...samples.slice(-window)) - before) / 2 ** 20;
}

export interface Settling {
  /** RSS in bytes: before the first round, then after each. */
  samples: number[];
  /** lastRise over the last `window` rounds when it stopped, MiB. */
  rise: number;
  settled: boolean;
}

/** Repeats `round` until the RSS that `sample` reads after each has held within `riseMiB` for `window` rounds in a row
 * (lastRise), at least `minRounds` and at most `maxRounds` rounds. Memory that GC timing or a loaded machine makes
 * step up settles after its steps; a leak of more than riseMiB / window a round never does. */
export async function roundsUntilSettled(
  round: (index: number) => Promise<void>,
  sample: () => number | Promise<number>,
  { window, riseMiB, minRounds = window, maxRounds }: { window: number; riseMiB: number; minRounds?: number; maxRounds: number },
): Promise<Settling> {
  const samples = [await sample()];
  let rise = Infinity;
  for (let i = 0; i < maxRounds; i++) {
    await round(i);
    samples.push(await sample());
    if (samples.length <= window) continue;
    rise = lastRise(samples, window);
    if (i + 1 >= minRounds && rise < riseMiB) return { samples, rise, settled: true };
  }
  return { samples, rise, settled: false };
}

/** "+3 +0 +12 …": each sample's change from the one before, MiB, for a failure message. */
export const steps = (samples: number[]) =>
  samples
    .slice(1)
    .map((s, i) => `${s >= samples[i] ? '+' : ''}${((s - samples[i]) / 2 ** 20).toFixed(0)}`)
    .join(' ');
