// One OIP inference, whichever transport brought it: n images through the app's batcher (as one request, so they share a
// batch), and their probabilities back to back with the model that computed them.
import { PIXELS } from '../../model/input-contract.js';
import type { Prediction } from '../inference.js';
import type { ModelSummary } from '../model-slot.js';
import { OUTPUT } from './contract.js';

export type PredictAll = (tensors: readonly Float32Array[]) => Promise<Prediction[]>;

export async function runInference(
  predictAll: PredictAll,
  images: Float32Array,
  n: number,
): Promise<{ probabilities: Float32Array; model: ModelSummary }> {
  const predictions = await predictAll(Array.from({ length: n }, (_, i) => images.subarray(i * PIXELS, (i + 1) * PIXELS)));
  const probabilities = new Float32Array(n * OUTPUT.perItem);
  predictions.forEach((p, i) => probabilities.set(p.probabilities, i * OUTPUT.perItem));
  return { probabilities, model: predictions[0].model };
}
