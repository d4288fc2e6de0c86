// One training batch: what a step (step-runner.ts) trains on and the teachers (teachers.ts) write targets for.

export interface Batch {
  image: Float32Array;
  /** [n, CLASSES]: the distribution each image should read as (the loss's target). */
  target: Float32Array;
  /** Each image's label, CLASSES for a non-digit: for counting correct answers. */
  digits: Uint8Array;
  n: number;
}
