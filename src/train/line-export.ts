// Writes the served line model (models/line.onnx) and its card (models/line.json), each atomically (a temp file
// renamed over the old one), so a running server or a reload never sees half a model.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { LINE_MARGIN } from '../imaging/line.js';
import { LINE_INPUT, LINE_INPUT_DESCRIPTION, LINE_SCORES, LINE_SCORES_DESCRIPTION, lineParamCount } from '../model/line.js';
import { buildLineInference, unflattenLineParams } from '../model/line-graphs.js';
import { LABELS } from '../model/lenet.js';
import { OPSET } from '../model/onnx-builder.js';
import { cardPathFor } from '../model/model-files.js';
import { recipeWidths, type LineRecipe } from './line-recipe.js';
import type { LineCheckpoint, LineRecord } from './line-trainer.js';
import type { WarmStartSource } from './lines/warm-start.js';
import type { ValidationFigures } from './line-validation.js';

export const LINE_LABELS = [...LABELS, 'blank'];

export const LINE_NORMALISATION =
  'normaliseLine (src/imaging/line.ts): a sloping line levelled by a vertical shear (lineSlope), its ink box scaled to 20 px ' +
  `tall, centred in 28 rows, ${LINE_MARGIN} px of black left and right`;

const WARM_START_EFFECT =
  "LeNet's weights (conv1–3, fc1, fc2's digit rows) start the line model: 1,600 steps from them read validation 71.0 % of " +
  'whole strings, from random weights 55.3 %, a figure the warm start passes before step 400 (docs/performance.md)';

export interface LineCard {
  name: string;
  version: string;
  file: string;
  sha256: string;
  bytes: number;
  opset: number;
  parameters: number;
  input: { name: string; contract: string; normalisation: string };
  output: { name: string; contract: string };
  labels: string[];
  blank: number;
  recipe: LineRecipe;
  warmStart: WarmStartSource | null;
  /** What the warm start is worth, as measured (docs/performance.md); for a line model taken further, what it was. */
  warmStartEffect: string;
  /** A line model taken further: its card's version, steps and training time (the whole recipe is both runs). */
  continues?: { version: string; steps: number; trainingSeconds: number; cpuSeconds?: number };
  data: { training: string; validation: string };
  command: string;
  trainingSeconds: number;
  /** CPU seconds of the whole training process (all threads): what the run cost on a shared machine. */
  cpuSeconds?: number;
  linesSeen: number;
  linesPerSecond: number;
  /** Whole-string accuracy by best path on the validation role's pictures, per set. */
  validation: ValidationFigures | null;
  validationSpec: { perSet: number; seed: number } | null;
  history: LineRecord[];
  lossCurve: Array<[number, number]>;
  createdAt: string;
}

export interface LineExportInput {
  checkpoint: LineCheckpoint;
  command: string;
  validation?: ValidationFigures;
  validationSpec?: { perSet: number; seed: number };
}

// The name POST /read reports is the model's kind, wherever a candidate was written (its version tells builds apart).
const LINE_NAME = 'line';

/** A line model's ONNX metadata: what every line model says of itself, with what is its own (`own`: its recipe, or its
 * members) between them. */
export const lineMetadata = (version: string, createdAt: string, command: string, own: Record<string, string>) => ({
  name: LINE_NAME,
  version,
  labels: JSON.stringify(LINE_LABELS),
  input: `${LINE_INPUT}: ${LINE_INPUT_DESCRIPTION}`,
  outputs: `${LINE_SCORES}: ${LINE_SCORES_DESCRIPTION}`,
  ...own,
  created_at: createdAt,
  command,
});

/** The first fields of a line model's card: the file written from `bytes` and the contract it serves. */
export const lineCardHead = (modelPath: string, bytes: Uint8Array, version: string, parameters: number) => ({
  name: LINE_NAME,
  version,
  file: path.basename(modelPath),
  sha256: createHash('sha256').update(bytes).digest('hex'),
  bytes: bytes.length,
  opset: OPSET,
  parameters,
  input: { name: LINE_INPUT, contract: LINE_INPUT_DESCRIPTION, normalisation: LINE_NORMALISATION },
  output: { name: LINE_SCORES, contract: LINE_SCORES_DESCRIPTION },
  labels: LINE_LABELS,
  blank: 10,
});

/** Writes a line model and its card beside it, each atomically. */
export async function writeLineModel(modelPath: string, bytes: Uint8Array, card: object): Promise<void> {
  await writeFileAtomic(modelPath, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  await writeFileAtomic(cardPathFor(modelPath), JSON.stringify(card, null, 2) + '\n');
}

export async function exportLineModel(modelPath: string, input: LineExportInput): Promise<LineCard> {
  const { checkpoint: ckpt } = input;
  const createdAt = new Date().toISOString();
  const version = `${ckpt.recipe.name}-${createdAt.slice(0, 10).replaceAll('-', '')}-s${ckpt.recipe.seed}-${ckpt.step}`;
  const metadata = lineMetadata(version, createdAt, input.command, { recipe: JSON.stringify(ckpt.recipe) });
  const continued = ckpt.warmStart ? previousLineCard(ckpt.warmStart.file) : undefined;
  const widths = recipeWidths(ckpt.recipe);
  const bytes = buildLineInference(unflattenLineParams(ckpt.params, widths), metadata);
  const card: LineCard = {
    ...lineCardHead(modelPath, bytes, version, lineParamCount(widths)),
    recipe: ckpt.recipe,
    warmStart: ckpt.warmStart ?? null,
    warmStartEffect: continued
      ? `continues ${continued.version}: a trained line model, ${ckpt.warmStart?.grown ? `${ckpt.warmStart.grown} (src/train/lines/widen.ts) and ` : ''}taken further`
      : WARM_START_EFFECT,
    ...(continued ? { continues: continued } : {}),
    data: {
      training:
        'fresh lines from the training composer (src/train/lines/): MNIST train[0:55000] and the training fonts (docs/contracts.md), ' +
        "1–10 digits, rendered as paper, photo (JPEG) and canvas, through /read's imaging steps and normaliseLine" +
        // Every recipe has trained on the widened composer since #36 line3 (a model is exported by the run that trained it).
        '; the widened composer (#36 line3): grey and tinted paper, coloured ink, low contrast, up to two soft shadows ' +
        'and a darker rim, blur to σ 2, JPEG down to quality 15 and small photos, keystones, fonts typed at 28/44/64/96 ' +
        'points, elastic wobble, pens from two erosions to three dilations, more touching and overlapping digits' +
        (ckpt.recipe.extraFonts?.length ? `; and fonts beyond the training fonts: ${ckpt.recipe.extraFonts.join(', ')}` : '') +
        (ckpt.recipe.packagedFonts?.length
          ? `; and ${ckpt.recipe.packagedFonts.length} of Google Fonts' handwriting fonts (npm @expo-google-fonts): ` +
            ckpt.recipe.packagedFonts.join(', ')
          : '') +
        (ckpt.recipe.handWidths
          ? `; condensed and extended hands: ${100 * ckpt.recipe.handWidths.share} % of writers, every digit ` +
            `${ckpt.recipe.handWidths.min}–${ckpt.recipe.handWidths.max} times as wide as drawn`
          : '') +
        (ckpt.recipe.joins
          ? `; joined hands: ${100 * ckpt.recipe.joins.share} % of writers run a digit's last stroke on into the next, ` +
            `each pair with a chance of ${ckpt.recipe.joins.often[0]}–${ckpt.recipe.joins.often[1]}`
          : '') +
        (ckpt.recipe.nestles
          ? `; nestled digits: ${100 * ckpt.recipe.nestles.share} % of the writers who touch their digits set each ` +
            `against the ink before it, ${ckpt.recipe.nestles.reach[0]} to ${ckpt.recipe.nestles.reach[1]} stroke widths away`
          : ''),
      validation:
        "src/synth's number generator (sets wide, touching, photos, canvas, fonts) with MNIST train[55000:60000] and the training fonts",
    },
    command: input.command,
    trainingSeconds: Math.round(ckpt.seconds),
    ...(ckpt.cpuSeconds === undefined ? {} : { cpuSeconds: Math.round(ckpt.cpuSeconds) }),
    linesSeen: ckpt.lines,
    linesPerSecond: Math.round(ckpt.lines / Math.max(1e-9, ckpt.seconds)),
    validation: input.validation ?? null,
    validationSpec: input.validationSpec ?? null,
    history: ckpt.history,
    lossCurve: ckpt.lossCurve,
    createdAt,
  };
  await writeLineModel(modelPath, bytes, card);
  return card;
}

/** The card beside a warm-start file, when that file is a line model with one (not LeNet's). */
function previousLineCard(file: string): LineCard['continues'] {
  try {
    const card = JSON.parse(readFileSync(cardPathFor(file), 'utf8')) as Partial<LineCard>;
    if (card.blank !== 10 || typeof card.version !== 'string' || typeof card.trainingSeconds !== 'number') return undefined;
    const steps = card.recipe?.steps ?? 0;
    return {
      version: card.version,
      steps,
      trainingSeconds: card.trainingSeconds,
      ...(card.cpuSeconds ? { cpuSeconds: card.cpuSeconds } : {}),
    };
  } catch {
    return undefined;
  }
}
