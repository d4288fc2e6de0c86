// Inference for the service: single-image requests gathered by the dynamic batcher into one ORT run on whichever
// model the slot serves when the batch starts.
import { CLASSES, PIXELS } from '../model/lenet.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import type { LoadedModel } from './model.js';
import type { ModelSlot } from './model-slot.js';

export interface Prediction {
  probabilities: Float32Array;
  /** The model that computed it: after a hot reload, requests already in a batch finish on the previous one. */
  model: LoadedModel;
}

export interface BatchObserver {
  (batch: { size: number; seconds: number }): void;
}

export function createInference(slot: ModelSlot, options: BatcherOptions, observe?: BatchObserver): Batcher<Float32Array, Prediction> {
  return new Batcher<Float32Array, Prediction>(
    (tensors) =>
      slot.use(async (model) => {
        const input = new Float32Array(tensors.length * PIXELS);
        tensors.forEach((t, i) => input.set(t, i * PIXELS));
        const started = performance.now();
        const probabilities = await model.run(input, tensors.length);
        observe?.({ size: tensors.length, seconds: (performance.now() - started) / 1000 });
        return tensors.map((_, i) => ({ probabilities: probabilities.subarray(i * CLASSES, (i + 1) * CLASSES), model }));
      }),
    options,
  );
}
