// Weight averaging, kept beside a training run so the exported model can be an average of the weights the run passed
// through instead of the last step's: an exponential moving average over optimizer steps (Polyak averaging, timm's
// ModelEmaV2), or the mean of the weights at the end of the last epochs (SWA, Izmailov et al. 2018, without its cyclic
// learning rate). It never feeds back into training, so the steps themselves are the same with or without it.

/**
 * How the exported weights are averaged. `ema`: the per-step decay d in avg ← d·avg + (1 − d)·params.
 * `lastEpochs`: the mean of the weights at the end of each of the run's last N epochs.
 */
export type Averaging = { ema: number } | { lastEpochs: number };

/**
 * The moving average after one more step: `avg` updated in place (float32, the same arithmetic on every machine), or,
 * before the first step (`avg` undefined), a copy of the parameters.
 */
export function updateAverage(avg: Float32Array | undefined, params: Float32Array, decay: number): Float32Array {
  if (!avg) return params.slice();
  checkLength(avg, params);
  const keep = 1 - decay;
  for (let i = 0; i < avg.length; i++) avg[i] += keep * (params[i] - avg[i]);
  return avg;
}

/** The mean of n weight vectors from the mean of the first n − 1 (`avg`, updated in place; a copy when n is 1). */
export function updateMean(avg: Float32Array | undefined, params: Float32Array, n: number): Float32Array {
  if (!avg || n === 1) return params.slice();
  checkLength(avg, params);
  for (let i = 0; i < avg.length; i++) avg[i] += (params[i] - avg[i]) / n;
  return avg;
}

/** The run's average after an optimizer step: moved for a moving average, as it was otherwise. */
export function averageAfterStep(
  averaging: Averaging | undefined,
  avg: Float32Array | undefined,
  params: Float32Array,
): Float32Array | undefined {
  return averaging && 'ema' in averaging ? updateAverage(avg, params, averaging.ema) : avg;
}

/** The run's average after epoch `epoch` (1-based) of `epochs`: the end-of-epoch weights join the mean in the last N. */
export function averageAfterEpoch(
  averaging: Averaging | undefined,
  avg: Float32Array | undefined,
  params: Float32Array,
  epoch: number,
  epochs: number,
): Float32Array | undefined {
  if (!averaging || !('lastEpochs' in averaging)) return avg;
  const n = epoch - Math.max(0, epochs - averaging.lastEpochs);
  return n >= 1 ? updateMean(avg, params, n) : avg;
}

function checkLength(avg: Float32Array, params: Float32Array): void {
  if (avg.length !== params.length) throw new Error(`weight average of ${avg.length} values cannot follow ${params.length} parameters`);
}
