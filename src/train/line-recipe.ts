// The line model's training recipe: everything that decides the weights, recorded in the card.
import type { OptimizerConfig, Schedule } from '../model/optimizers.js';
import { LENET_WIDTHS, type LineWidths } from '../model/line.js';
import type { HandWidths, JoinHabit, NestleHabit, WriterHabits } from './lines/compose.js';
import { LINE_EXTRA_FONTS, type LineExtraFont } from './lines/glyphs.js';
import { LINE_PACKAGED_FONTS, type LinePackagedFont } from '../synth/packaged-fonts.js';

export interface LineRecipe {
  name: string;
  optimizer: OptimizerConfig;
  /** Optimizer steps in the run (the cosine schedule decays over them). */
  steps: number;
  batchSize: number;
  lr: number;
  schedule: Schedule;
  /** Batches in each chunk of fresh lines the data worker makes (sorted by width, so batches need little padding). */
  chunkBatches: number;
  /** Passes over each chunk, each in its own order, before the next: lines are dearer to make than to learn from. */
  passes: number;
  /** Share of lines written in a training font rather than MNIST digits. */
  fontShare: number;
  /** Start from models/lenet.onnx's weights (true) or from a random initialisation. */
  warmStart: boolean;
  seed: number;
  /** Fonts typed beside the training fonts (LINE_EXTRA_FONTS); absent in recipes from before them. */
  extraFonts?: LineExtraFont[];
  /** Google Fonts' handwriting fonts typed beside the others (packaged-fonts.ts); absent in recipes from before them. */
  packagedFonts?: LinePackagedFont[];
  /** Condensed and extended hands (compose.ts HandWidths); absent in recipes from before them. */
  handWidths?: HandWidths;
  /** Writers who join their digits (compose.ts JoinHabit); absent in recipes from before them. */
  joins?: JoinHabit;
  /** Writers who set each digit against the ink before it (compose.ts NestleHabit); absent in recipes from before them. */
  nestles?: NestleHabit;
  /** Channels per layer (line.ts LineWidths); absent: LeNet's. */
  widths?: LineWidths;
}

/** The habits a recipe adds to the writers its lines are drawn by. */
export const writerHabits = (recipe: LineRecipe): WriterHabits => ({
  hands: recipe.handWidths,
  joins: recipe.joins,
  nestles: recipe.nestles,
});

/** The widths a recipe trains. */
export const recipeWidths = (recipe: LineRecipe): LineWidths => recipe.widths ?? LENET_WIDTHS;

// The committed line model taken further on the widened composer (more photos, shadows, tinted and grey paper, low
// contrast, poor JPEG, keystones, fonts at four sizes, wobbled strokes; #36 line3): a third of the lines in fonts.
const WIDER: LineRecipe = {
  name: 'wider',
  optimizer: { name: 'adam', momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  steps: 8000,
  batchSize: 32,
  lr: 0.0005,
  schedule: 'cosine',
  chunkBatches: 16,
  passes: 3,
  fontShare: 0.35,
  warmStart: true,
  seed: 13,
};

/** Half the writers condensed or extended, 0.6–1.5 times as wide (the fifth line model's hands). */
const HANDS = { share: 0.5, min: 0.6, max: 1.5 };
/** A third of the writers joining their digits, each pair of neighbours with a chance of 0.3–0.9 (the seventeenth). */
const JOINS = { share: 0.35, often: [0.3, 0.9] as [number, number] };
/** Half the writers who write their digits touching or overlapping set each digit against the ink before it, its
 * nearest ink 0.6 stroke widths into that ink to 0.3 short of it (the eighteenth). */
const NESTLES = { share: 0.5, reach: [-0.6, 0.3] as [number, number] };
/** LeNet's layers with twice its channels (the sixth line model). */
const DOUBLE = { conv1: 12, conv2: 32, conv3: 192, fc1: 128 };

export const LINE_RECIPES: Record<
  | 'default'
  | 'continue'
  | 'wider'
  | 'fonts'
  | 'hands'
  | 'double'
  | 'double-hands'
  | 'many-fonts'
  | 'double-hands-long'
  | 'reach'
  | 'reach2'
  | 'reach-far'
  | 'context'
  | 'reach3'
  | 'joined'
  | 'nestled'
  | 'tiny',
  LineRecipe
> = {
  default: {
    name: 'default',
    optimizer: { name: 'adam', momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    steps: 10000,
    batchSize: 32,
    lr: 0.001,
    schedule: 'cosine',
    chunkBatches: 16,
    passes: 2,
    fontShare: 0.2,
    warmStart: true,
    seed: 7,
  },
  // A trained line model taken further (--lenet models/line.onnx): a lower peak rate, other lines (seed), three passes
  // over each chunk (lines cost more CPU to make than to learn from), a few more font lines.
  continue: {
    name: 'continue',
    optimizer: { name: 'adam', momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    steps: 16000,
    batchSize: 32,
    lr: 0.0006,
    schedule: 'cosine',
    chunkBatches: 16,
    passes: 3,
    fontShare: 0.25,
    warmStart: true,
    seed: 11,
  },
  wider: WIDER,
  // The committed line model taken further as `wider` was, 10,000 steps, with six more fonts typed beside the training
  // fonts (#36, the fourth line model): the line model read the fonts it trained on far better than fonts it had not seen.
  fonts: { ...WIDER, name: 'fonts', steps: 10000, seed: 17, extraFonts: Object.keys(LINE_EXTRA_FONTS) as LineExtraFont[] },
  // The committed line model taken further as `wider` was, half the writers with a narrow or wide hand (#36, the fifth
  // line model): the model read lines of unseen fonts far worse once they were a little wider (docs/performance.md).
  hands: { ...WIDER, name: 'hands', steps: 10000, seed: 19, handWidths: HANDS },
  // The committed line model made twice as wide (widen.ts) and taken further as `wider` was (#36, the sixth line model).
  double: { ...WIDER, name: 'double', steps: 10000, seed: 23, widths: DOUBLE },
  // `double` with `hands`' condensed and extended writers (#36, the seventh line model, models/line.onnx): each of the
  // two read unseen fonts better on 3,000 validation pictures (docs/performance.md).
  'double-hands': { ...WIDER, name: 'double-hands', steps: 10000, seed: 29, widths: DOUBLE, handWidths: HANDS },
  // The committed line model (`double-hands`) taken further as it was made, with 26 of Google Fonts' handwriting fonts
  // typed beside the training and extra fonts (#36, the eighth line model): the model reads fonts it has seen far better.
  // Since the seventeenth those fonts are crosscheck's (docs/contracts.md): a model made by it cannot be decided there.
  'many-fonts': {
    ...WIDER,
    name: 'many-fonts',
    steps: 10000,
    seed: 31,
    widths: DOUBLE,
    handWidths: HANDS,
    extraFonts: Object.keys(LINE_EXTRA_FONTS) as LineExtraFont[],
    packagedFonts: [...LINE_PACKAGED_FONTS],
  },
  // The committed line model (`double-hands`) taken further as it was made, for twice as many steps (#36, the ninth
  // line model): each continuation so far read the validation lines a little better than its parent.
  'double-hands-long': { ...WIDER, name: 'double-hands-long', steps: 20000, seed: 37, widths: DOUBLE, handWidths: HANDS },
  // The committed line model (`double-hands`) with fc1 and fc2 reading one column each side (widen.ts reachFurther),
  // taken further as the ninth was made (#36, the twelfth line model): a column alone sees 28 input columns, where
  // touching digits, a digit read twice and a gap's stray mark are told apart by what lies beside them.
  reach: { ...WIDER, name: 'reach', steps: 20000, seed: 47, widths: { ...DOUBLE, reach: 1 }, handWidths: HANDS },
  // The committed line model (`reach`) reaching two columns each side (#36, the thirteenth line model): one column each
  // side read touching digits and unseen fonts far better than none.
  reach2: { ...WIDER, name: 'reach2', steps: 20000, seed: 53, widths: { ...DOUBLE, reach: 2 }, handWidths: HANDS },
  // The committed line model (`reach2`) with fc2 reading six columns each side (#36, the fourteenth line model): each
  // step of reach read the validation lines better, and fc2's taps cost a twelfth of fc1's, so fc2 alone reaches farther.
  'reach-far': {
    ...WIDER,
    name: 'reach-far',
    steps: 20000,
    seed: 59,
    widths: { ...DOUBLE, reach: 2, fc2Reach: 6 },
    handWidths: HANDS,
  },
  // The committed line model (`reach2`) with a context layer between fc1 and fc2 reading two columns each side
  // (widen.ts addContext; #36, the fifteenth line model): context helped every time it was added to fc1 and fc2 together,
  // and fc2 alone reaching farther (`reach-far`) gave only a linear view of it.
  context: { ...WIDER, name: 'context', steps: 20000, seed: 61, widths: { ...DOUBLE, reach: 2, context: 2 }, handWidths: HANDS },
  // The committed line model (`reach2`) reaching three columns each side with fc1 and fc2 (#36, the sixteenth line
  // model): each step of one column more for both layers won its rule, where fc2 alone or a context layer did not.
  reach3: { ...WIDER, name: 'reach3', steps: 20000, seed: 67, widths: { ...DOUBLE, reach: 3 }, handWidths: HANDS },
  // The committed line model (`reach2`) taken further as it was made, a third of its writers joining their digits (#36,
  // the seventeenth line model): no training line had ink between two digits that belongs to neither, and numbers
  // written fast run one digit's last stroke on into the next.
  joined: { ...WIDER, name: 'joined', steps: 20000, seed: 71, widths: { ...DOUBLE, reach: 2 }, handWidths: HANDS, joins: JOINS },
  // The committed line model (`reach2`) taken further as it was made, half its writers who touch their digits setting
  // each against the ink before it rather than its box (#36, the eighteenth line model): a hand sets a 4 under a 7's bar
  // and a 0 against the 8 before it, where no training line's digits came closer than their boxes allowed.
  nestled: { ...WIDER, name: 'nestled', steps: 20000, seed: 73, widths: { ...DOUBLE, reach: 2 }, handWidths: HANDS, nestles: NESTLES },
  // For tests: a few steps of small batches, to see the loss fall and the export load.
  tiny: {
    name: 'tiny',
    optimizer: { name: 'adam', momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    steps: 12,
    batchSize: 8,
    lr: 0.001,
    schedule: 'constant',
    chunkBatches: 2,
    passes: 3,
    fontShare: 0.2,
    warmStart: true,
    seed: 1,
  },
};
