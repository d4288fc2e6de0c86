// Several trained line models written as one served line model (src/model/line-graphs.ts buildLineEnsembleInference)
// with a card that names each member, each file written atomically (a temp file renamed over the old one).
import { readFileSync } from 'node:fs';
import type { Params } from '../model/init.js';
import { lineParamCount, lineParams, widthsOf } from '../model/line.js';
import { buildLineEnsembleInference } from '../model/line-graphs.js';
import { cardPathFor } from '../model/model-files.js';
import { modelWeights, readModelFile, ModelWeightsError } from '../model/model-weights.js';
import { lineCardHead, lineMetadata, writeLineModel } from './line-export.js';

export interface EnsembleMember {
  file: string;
  sha256: string;
  /** From the member's own card, where it has one. */
  version?: string;
  recipe?: string;
  trainingSeconds?: number;
  cpuSeconds?: number;
}

/** One exported line model's weights, each checked against the line model's shapes at the widths its biases give. */
export function lineModelParams(file: string): { params: Params; member: EnsembleMember } {
  const { bytes, sha256 } = readModelFile(file);
  const weights = modelWeights(bytes, file);
  const widths = widthsOf(
    { get: (name) => weights.get(name)?.values },
    (name) => new ModelWeightsError(`${file}: no ${name} (not a line model exported by this project?)`),
  );
  const params: Params = new Map();
  for (const p of lineParams(widths)) {
    const w = weights.get(p.name);
    if (!w || w.dims.join() !== p.shape.join())
      throw new ModelWeightsError(`${file}: no ${p.name} of shape [${p.shape.join(', ')}] (not a line model exported by this project?)`);
    params.set(p.name, w.values);
  }
  let card: { version?: string; recipe?: { name?: string }; trainingSeconds?: number; cpuSeconds?: number } = {};
  try {
    card = JSON.parse(readFileSync(cardPathFor(file), 'utf8'));
  } catch {
    // a member without a card is still a model; the ensemble's card then names it by file and sha256 alone
  }
  const member: EnsembleMember = {
    file,
    sha256,
    ...(card.version ? { version: card.version } : {}),
    ...(card.recipe?.name ? { recipe: card.recipe.name } : {}),
    ...(card.trainingSeconds ? { trainingSeconds: card.trainingSeconds } : {}),
    ...(card.cpuSeconds ? { cpuSeconds: card.cpuSeconds } : {}),
  };
  return { params, member };
}

/** Writes the ensemble of `memberFiles` to `modelPath` and its card beside it; returns the card. */
export async function exportLineEnsemble(modelPath: string, memberFiles: string[], command: string) {
  const members = memberFiles.map(lineModelParams);
  const createdAt = new Date().toISOString();
  const version = `ensemble-${createdAt.slice(0, 10).replaceAll('-', '')}-${members.map((m) => m.member.sha256.slice(0, 8)).join('-')}`;
  const metadata = lineMetadata(version, createdAt, command, { members: JSON.stringify(members.map((m) => m.member)) });
  const bytes = buildLineEnsembleInference(
    members.map((m) => m.params),
    metadata,
  );
  const card = {
    ...lineCardHead(
      modelPath,
      bytes,
      version,
      members.reduce((sum, m) => sum + lineParamCount(widthsOf(m.params)), 0),
    ),
    ensemble: 'each column: the mean of the members’ class probabilities, as log-probabilities (src/model/line-graphs.ts)',
    members: members.map((m) => m.member),
    trainingSeconds: members.reduce((s, m) => s + (m.member.trainingSeconds ?? 0), 0),
    cpuSeconds: members.reduce((s, m) => s + (m.member.cpuSeconds ?? 0), 0),
    command,
    createdAt,
  };
  await writeLineModel(modelPath, bytes, card);
  return card;
}
