// What the model takes and what it gives, written once: the IDX loader, augmentation, evaluation, the training graphs,
// preprocessing and the server's model loader all read it from here, so training and serving cannot drift apart.

/** Width and height of an input image, in pixels. */
export const SIDE = 28;
/** Grey: one value per pixel. */
export const CHANNELS = 1;
/** One image as the model sees it: [channels, height, width]. */
export const IMAGE_SHAPE = [CHANNELS, SIDE, SIDE] as const;
/** Values per image. */
export const PIXELS = CHANNELS * SIDE * SIDE;
/** The digits 0–9. */
export const CLASSES = 10;

/** The graph input: float32 [N, ...IMAGE_SHAPE]. */
export const INPUT_NAME = 'image';
/** The graph outputs, each float32 [N, CLASSES]: raw scores (training, evaluation) and their softmax (serving). */
export const LOGITS = 'logits';
export const PROBABILITIES = 'probabilities';
export const OUTPUT_NAMES = [LOGITS, PROBABILITIES] as const;

/** A batch of n images as a tensor shape. */
export const batchShape = (n: number): number[] => [n, ...IMAGE_SHAPE];

/** How the contract reads in a model's card and metadata. */
export const INPUT_DESCRIPTION = `float32 [N,${IMAGE_SHAPE.join(',')}], pixels in [0,1], white digit on black background (MNIST)`;

/** One pixel's byte (0 = background, 255 = full ink) as the model's float in [0,1]. */
export const pixelToFloat = (byte: number): number => byte / 255;

/** Bytes → the model's floats, written into `out` from `offset` (a new array by default). */
export function toModelInput(bytes: Uint8Array, out = new Float32Array(bytes.length), offset = 0): Float32Array {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = pixelToFloat(bytes[i]);
  return out;
}
