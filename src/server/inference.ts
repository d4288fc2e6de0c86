// Inference for the service: single-image requests gathered by the dynamic batcher into one ORT run on whichever
// model the slot serves when the batch starts.
import { CLASSES, PIXELS } from '../model/input-contract.js';
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
        const ortSeconds = startOrtClock();
        const probabilities = await model.run(input, tensors.length);
        observe?.({ size: tensors.length, seconds: ortSeconds() });
        return tensors.map((_, i) => ({ probabilities: probabilities.subarray(i * CLASSES, (i + 1) * CLASSES), model }));
      }),
    options,
  );
}

/**
 * A clock for ONNX Runtime's own run time. onnxruntime-node runs a session synchronously inside a setImmediate
 * callback, so timing from the call to run() would include the wait for the event loop to get there: under load, a
 * whole poll phase of other requests (measured: ~2.6 ms per batch of ~30 against ~0.5 ms of compute). An immediate
 * queued just before run() fires just before ORT's, and starts the clock there. Call it right before model.run().
 */
function startOrtClock(): () => number {
  let started = performance.now();
  setImmediate(() => (started = performance.now()));
  return () => (performance.now() - started) / 1000;
}
