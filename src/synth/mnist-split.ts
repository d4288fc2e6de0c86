// What the generators take from MNIST: src/train/mnist.ts's Split satisfies it, and synth need not import the trainer.

/** Labelled 28×28 digits: count × 784 bytes (0 = background, 255 = ink) and one label each. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}
