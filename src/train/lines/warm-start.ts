// The line model's starting weights: a trained LeNet's (models/lenet.onnx). Column t of the line model computes
// exactly what LeNet computes on the 28×28 window at 4t, so its convolutions and fc1 carry over as they are, and
// fc2's ten digit rows too; only the blank's row starts fresh (zero: it learns from the first steps which columns
// lie between digits). A trained line model (models/line.onnx) is taken whole, to train it further.
import type { Params } from '../../model/init.js';
import { initParams } from '../../model/init.js';
import {
  BLANK,
  COLUMN_LAYERS,
  layerReach,
  LENET_WIDTHS,
  LINE_CLASSES,
  lineParams,
  WIDENED_LAYERS,
  widthsOf,
  type LineWidths,
  type Reaches,
} from '../../model/line.js';
import { flattenLineParams } from '../../model/line-graphs.js';
import { addContext, reachFurther, widenLine } from './widen.js';
import { modelWeights, readModelFile } from '../../model/model-weights.js';
import { numel } from '../../model/onnx-builder.js';
import { createRng, normal } from '../../model/random.js';

/** Where a warm start's weights came from: the file, its sha256, and how they were grown to the recipe's shape. */
export interface WarmStartSource {
  file: string;
  sha256: string;
  /** What widen.ts did to the file's model, in words (absent: taken as it was). */
  grown?: string;
}

export interface WarmStart {
  params: Float32Array;
  /** Where the weights came from, or none for a random start. */
  from?: WarmStartSource;
}

/** LeNet's (or a line model's) weights from an exported model, laid out as the line model's parameters, and made
 * `widths` wide and far-reaching (widen.ts) where the file's model is narrower or reaches less (by default, as the
 * file's). A file that is missing, too big, not ONNX or whose tensors lie about their sizes is a ModelWeightsError
 * (model-weights.ts). */
export function warmStartFromLenet(file: string, widths?: LineWidths, seed = 1): WarmStart {
  const { bytes, sha256 } = readModelFile(file);
  const found = modelWeights(bytes, file);
  const notLenet = (name: string) => new Error(`${file}: no ${name} to start the line model from (not a LeNet exported by this project?)`);
  const own = widthsOf({ get: (name) => found.get(name)?.values }, notLenet);
  const params: Params = new Map();
  for (const p of lineParams(own)) {
    const values = found.get(p.name)?.values;
    if (!values) throw notLenet(p.name);
    if (p.name === 'fc2.weight' || p.name === 'fc2.bias') {
      const per = numel(p.shape) / LINE_CLASSES;
      if (values.length === per * LINE_CLASSES) {
        params.set(p.name, values); // a line model's, blank row and all
        continue;
      }
      if (values.length !== per * BLANK)
        throw new Error(`${file}: ${p.name} has ${values.length} values, expected ${per * BLANK} or ${per * LINE_CLASSES}`);
      const grown = new Float32Array(numel(p.shape));
      grown.set(values); // rows 0–9 the digits', row 10 (the blank's) zero
      params.set(p.name, grown);
    } else {
      if (values.length !== numel(p.shape)) throw new Error(`${file}: ${p.name} has ${values.length} values, expected ${numel(p.shape)}`);
      params.set(p.name, values);
    }
  }
  if (widths && WIDENED_LAYERS.some((layer) => own[layer] > widths[layer]))
    throw new Error(`${file}: its model is ${widthsText(own)} channels wide, wider than the ${widthsText(widths)} asked for`);
  for (const layer of COLUMN_LAYERS)
    if (widths && layerReach(own, layer) > layerReach(widths, layer))
      throw new Error(
        `${file}: its ${layer} reaches ${layerReach(own, layer)} column(s) each side, farther than the ${layerReach(widths, layer)} asked for`,
      );
  if (widths && own.context !== undefined && (widths.context === undefined || own.context > widths.context))
    throw new Error(
      `${file}: its context layer reads ${own.context} column(s) each side, which the ${widthsText(widths)} asked for does not`,
    );
  // widenLine and reachFurther leave a model already as wide and as far-reaching as asked as it is.
  let wider = widths ? reachFurther(widenLine(params, widths, createRng(seed)), widths) : params;
  const deepened = widths?.context !== undefined && own.context === undefined;
  if (deepened) wider = addContext(wider, widths.context!);
  const grown = [
    ...(widths && WIDENED_LAYERS.some((layer) => own[layer] < widths[layer]) ? [`made ${widthsText(widths)} channels wide`] : []),
    ...(widths ? reachGrown(own, widths) : []),
    ...(deepened ? [`given a context layer reading ${widths!.context} column(s) each side`] : []),
    ...(widths && own.context !== undefined && widths.context! > own.context
      ? [`its context layer given a reach of ${widths.context}`]
      : []),
  ];
  return { params: flattenLineParams(wider), from: { file, sha256, ...(grown.length ? { grown: grown.join(' and ') } : {}) } };
}

const widthsText = (w: LineWidths) =>
  `${w.conv1}/${w.conv2}/${w.conv3}/${w.fc1}${w.context === undefined ? '' : ` (context ${w.context})`}`;

/** How a warm start's per-column layers were given a farther reach, in words: both layers alike as one. */
function reachGrown(own: Reaches, to: Reaches): string[] {
  const grew = COLUMN_LAYERS.filter((layer) => layerReach(to, layer) > layerReach(own, layer));
  const said = (r: number) => `a reach of ${r} column(s) each side`;
  if (grew.length === 2 && layerReach(to, 'fc1') === layerReach(to, 'fc2')) return [`given ${said(layerReach(to, 'fc1'))}`];
  return grew.map((layer) => `${layer} given ${said(layerReach(to, layer))}`);
}

/** A random start (PaddlePaddle's initialisation, as init.ts), for comparison and for tests without a model. */
export function randomStart(seed: number, widths: LineWidths = LENET_WIDTHS): WarmStart {
  const rng = createRng(seed);
  const lenet = initParams(rng);
  const params: Params = new Map();
  for (const p of lineParams(widths)) {
    const size = numel(p.shape);
    const from = lenet.get(p.name);
    if (from && from.length === size) params.set(p.name, from);
    else if (p.init === 'zeros') params.set(p.name, new Float32Array(size));
    else {
      const std = Math.sqrt(2 / (size / p.shape[0]));
      params.set(
        p.name,
        Float32Array.from({ length: size }, () => std * normal(rng)),
      );
    }
  }
  return { params: flattenLineParams(params) };
}
