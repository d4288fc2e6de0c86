// Named training recipes. Flags on the command line override single fields.
import type { Architecture } from '../model/lenet.js';
import type { OptimizerConfig, Schedule } from '../model/optimizers.js';
import type { Augmentation } from './augment.js';
import type { Averaging } from './averaging.js';
import type { FontMix } from './font-digits.js';
import type { Distillation } from './teachers.js';
import type { WarmStart } from './warm-start.js';

export type RecipeName = 'paddle' | 'plain' | 'default';

export interface Recipe {
  name: RecipeName;
  arch: Architecture;
  optimizer: OptimizerConfig;
  epochs: number;
  batchSize: number;
  lr: number;
  /** cosine: lr decays to 0 over the run; constant: as given. */
  schedule: Schedule;
  /** Random shifts of up to this many pixels in each direction (0 = none). */
  shift: number;
  /** Distortions of the training images (augment.ts); none when absent. */
  augment?: Augmentation;
  /** Share of the training images replaced, each epoch, by a non-digit made from it and another (not-digits.ts). */
  notDigits?: number;
  /** Train on the first N training images; the rest are held out (the softmax temperature is fitted on them). */
  trainImages?: number;
  /** Learn each digit's target partly from trained models' readings of it (teachers.ts); none when absent. */
  distill?: Distillation;
  /** Export an average of the weights the run passed through instead of the last step's (averaging.ts); none when absent. */
  average?: Averaging;
  /** Start from this trained model's weights instead of random ones (warm-start.ts): a fine-tune. */
  init?: WarmStart;
  /** Mix digits typed in the training fonts into the training images (font-digits.ts); none when absent. */
  fonts?: FontMix;
  seed: number;
  /**
   * Parts each batch is cut into, whose gradients are computed separately (at once, on as many threads as there are)
   * and summed. Part of the recipe, not of the machine: the sum's rounding depends on it, the thread count does not.
   */
  shards: number;
}

const optimizer = (name: OptimizerConfig['name']): OptimizerConfig => ({ name, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

export const RECIPES: Record<RecipeName, Recipe> = {
  // The PaddlePaddle tutorial exactly: sigmoid LeNet, Momentum(lr 0.001, 0.9), batch 10, 5 epochs, no augmentation.
  paddle: {
    name: 'paddle',
    arch: { activation: 'sigmoid', layout: 'paddle' },
    optimizer: optimizer('momentum'),
    epochs: 5,
    batchSize: 10,
    lr: 0.001,
    schedule: 'constant',
    shift: 0,
    seed: 42,
    shards: 1, // 10 images: too few to share out
  },
  // ReLU after every layer, Adam with cosine decay, batch 64, ±2 px random shifts: the committed model until #21, and
  // bench:train's recipe (PyTorch's peer trains the same).
  plain: {
    name: 'plain',
    arch: { activation: 'relu', layout: 'lenet5' },
    optimizer: optimizer('adam'),
    epochs: 8,
    batchSize: 64,
    lr: 0.002,
    schedule: 'cosine',
    shift: 2,
    seed: 42,
    shards: 2, // two cores' worth
  },
  // What we serve: the plain recipe's network and optimizer for 20 epochs, trained for other people's pictures and for
  // the number reader. Each epoch about half the images are distorted the ways other people's pictures differ from
  // MNIST's (augment.ts), the rest moved by up to ±2 px; about a tenth are replaced by pieces of digits and of pairs of
  // digits that the model learns to be unsure of (not-digits.ts), so that the reader's segmentation is not led astray.
  // The last 5,000 training images are held out: the softmax temperature is fitted on them (npm run calibrate). No
  // weight averaging: at 20 epochs it gained nothing on them, and 30 epochs with it read the test set worse
  // (docs/performance.md); `--ema D` and `--swa N` try it. Nor distillation (`--teachers`) or a clean finish: neither
  // read unseen writers' digits measurably better (docs/performance.md).
  default: {
    name: 'default',
    arch: { activation: 'relu', layout: 'lenet5' },
    optimizer: optimizer('adam'),
    epochs: 20,
    batchSize: 64,
    lr: 0.002,
    schedule: 'cosine',
    shift: 2,
    augment: {
      share: 0.5,
      rotate: 15,
      scale: 0.1,
      aspect: 0.2,
      shear: 0.3,
      elastic: { p: 0.5, px: 2.5 },
      pen: { p: 0.4, px: 1 },
      blur: { p: 0.3, sigma: 1.2 },
      lowRes: { p: 0.4, side: 7 },
      paper: { p: 0.3, contrast: 0.2, noise: 30 },
    },
    // A third of the pieces drawn are refused as being digits after all (not-digits.ts): 0.3 makes about a tenth.
    notDigits: 0.3,
    trainImages: 55000,
    seed: 42,
    shards: 2, // two cores' worth
  },
};
