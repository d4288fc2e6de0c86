// Named training recipes. Flags on the command line override single fields.
import type { Architecture } from '../model/lenet.js';
import type { OptimizerConfig, Schedule } from '../model/optimizers.js';

export type RecipeName = 'paddle' | 'default';

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
  // What we serve: ReLU after every layer, Adam with cosine decay, batch 64, ±2 px random shifts.
  default: {
    name: 'default',
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
};
