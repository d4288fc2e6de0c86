// Inference for the service: tensors gathered by the dynamic batcher into one ORT run on whichever model the slot
// serves when the batch starts, each answered with its prediction.
import { CLASSES, PIXELS } from '../model/input-contract.js';
import { argmax } from '../model/lenet.js';
import type { Provider } from '../model/session.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import { summaryOf, type ModelSlot, type ModelSummary } from './model-slot.js';

export interface Prediction {
  digit: number;
  probabilities: number[];
  /** The model that computed it: after a hot reload, requests already in a batch finish on the previous one. */
  model: ModelSummary;
  executionProvider: Provider;
}

export interface InferenceObserver {
  /** Each ORT run: its images and its own run time. */
  batch?(batch: { size: number; seconds: number }): void;
  /** Each image: how long it waited for its batch to start. */
  queueWait?(seconds: number): void;
}

export interface Inference {
  /** One image's prediction; rejects with QueueFullError when the queue is full. */
  predict(tensor: Float32Array): Promise<Prediction>;
  /** Images that belong together (a number's digits, a client's batch): queued at once, so they share a batch. */
  predictAll(tensors: readonly Float32Array[]): Promise<Prediction[]>;
  /** Images waiting for the next batch. */
  readonly queued: number;
}

export function createInference(slot: ModelSlot, options: BatcherOptions, observe: InferenceObserver = {}): Inference {
  const batcher = new Batcher<Float32Array, Prediction>(
    (tensors) =>
      slot.use(async (model) => {
        const input = new Float32Array(tensors.length * PIXELS);
        tensors.forEach((t, i) => input.set(t, i * PIXELS));
        const ortSeconds = startOrtClock();
        const out = await model.run(input, tensors.length);
        observe.batch?.({ size: tensors.length, seconds: ortSeconds() });
        const served = { model: summaryOf(model.info), executionProvider: model.provider };
        return tensors.map((_, i) => {
          const probabilities = new Array<number>(CLASSES);
          for (let k = 0; k < CLASSES; k++) probabilities[k] = out[i * CLASSES + k];
          return { digit: argmax(probabilities), probabilities, ...served };
        });
      }),
    { ...options, onQueueWait: observe.queueWait },
  );
  return {
    predict: (tensor) => batcher.submit(tensor),
    predictAll: (tensors) => batcher.submitAll(tensors),
    get queued() {
      return batcher.queued;
    },
  };
}

/**
 * A clock for ONNX Runtime's own run time. onnxruntime-node runs a session synchronously inside a setImmediate
 * callback, so timing from the call to run() would include the wait for the event loop to get there. An immediate
 * queued just before run() fires just before ORT's, and starts the clock there. Call it right before model.run().
 */
function startOrtClock(): () => number {
  let started = performance.now();
  setImmediate(() => (started = performance.now()));
  return () => (performance.now() - started) / 1000;
}
