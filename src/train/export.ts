// Writes the served model (models/lenet.onnx) and its card (models/lenet.json), each atomically: a temp file renamed
// over the old one, so a running server (or a reload) never sees half a model.
import { createHash } from 'node:crypto';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { buildInferenceModel } from '../model/inference-graph.js';
import { besideModel, cardPathFor } from '../model/model-files.js';
import type { Params } from '../model/init.js';
import { CLASSES, INPUT_DESCRIPTION, INPUT_NAME, OUTPUT_NAMES } from '../model/input-contract.js';
import { LABELS, paramCount } from '../model/lenet.js';
import { OPSET } from '../model/onnx-builder.js';
import type { Provider } from '../model/session.js';
import type { Evaluation } from './evaluate.js';
import type { Recipe } from './recipes.js';
import type { Robustness } from './robustness.js';
import type { EpochRecord } from './trainer.js';

export interface ModelCard {
  name: string;
  version: string;
  file: string;
  sha256: string;
  opset: number;
  parameters: number;
  input: { name: string; contract: string };
  outputs: string[];
  labels: string[];
  recipe: Recipe;
  seed: number;
  command: string;
  trainImages: number;
  executionProvider: Provider;
  testAccuracy: number;
  testLoss: number;
  perClassRecall: number[];
  confusion: number[][];
  history: EpochRecord[];
  /** Accuracy on distorted copies of the test set and on the forms users send (robustness.ts). */
  robustness?: Robustness;
  createdAt: string;
}

export interface ExportInput {
  recipe: Recipe;
  params: Params;
  history: EpochRecord[];
  final: Evaluation;
  command: string;
  trainImages: number;
  provider: Provider;
  robustness?: Robustness;
}

export async function exportModel(modelPath: string, input: ExportInput): Promise<ModelCard> {
  const createdAt = new Date().toISOString();
  const name = besideModel(path.basename(modelPath), '');
  const version = `${input.recipe.name}-${createdAt.slice(0, 10).replaceAll('-', '')}-s${input.recipe.seed}`;
  const metadata: Record<string, string> = {
    name,
    version,
    labels: JSON.stringify(LABELS),
    input: `${INPUT_NAME}: ${INPUT_DESCRIPTION}`,
    outputs: `${OUTPUT_NAMES.join(', ')}: float32 [N,${CLASSES}]`,
    recipe: JSON.stringify(input.recipe),
    seed: String(input.recipe.seed),
    test_accuracy: input.final.accuracy.toFixed(4),
    created_at: createdAt,
    command: input.command,
  };
  const bytes = buildInferenceModel(input.recipe.arch, input.params, metadata);
  const card: ModelCard = {
    name,
    version,
    file: path.basename(modelPath),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    opset: OPSET,
    parameters: paramCount(),
    input: { name: INPUT_NAME, contract: INPUT_DESCRIPTION },
    outputs: [...OUTPUT_NAMES],
    labels: LABELS,
    recipe: input.recipe,
    seed: input.recipe.seed,
    command: input.command,
    trainImages: input.trainImages,
    executionProvider: input.provider,
    testAccuracy: input.final.accuracy,
    testLoss: input.final.loss,
    perClassRecall: input.final.recall,
    confusion: input.final.confusion,
    history: input.history,
    robustness: input.robustness,
    createdAt,
  };
  await writeFileAtomic(modelPath, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  await writeFileAtomic(cardPathFor(modelPath), JSON.stringify(card, null, 2) + '\n');
  return card;
}
