// What the Open Inference Protocol (v2) says about the served model: its platform and its one input and one output,
// with -1 for the batch dimension as OIP's model metadata writes a variable-size dimension.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLASSES, IMAGE_SHAPE, INPUT_NAME, PIXELS, PROBABILITIES } from '../../model/input-contract.js';
import { PROJECT_ROOT } from '../config.js';
import type { LoadedModel } from '../model.js';

/** What server metadata names: this service and its package's version. */
export const SERVER = {
  name: 'lenet-service',
  version: JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string,
};

export const PLATFORM = 'onnxruntime_onnx';
/** Triton's name for its binary tensor data extension, announced in GET /v2. */
export const BINARY_EXTENSION = 'binary_tensor_data';

export const INPUT = { name: INPUT_NAME, datatype: 'FP32', shape: [-1, ...IMAGE_SHAPE], perItem: PIXELS } as const;
/** The served output (model.ts runs only this one); the graph's logits are not exposed. */
export const OUTPUT = { name: PROBABILITIES, datatype: 'FP32', shape: [-1, CLASSES], perItem: CLASSES } as const;

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export const inputMetadata = (): TensorMetadata[] => [{ name: INPUT.name, datatype: INPUT.datatype, shape: [...INPUT.shape] }];
export const outputMetadata = (): TensorMetadata[] => [{ name: OUTPUT.name, datatype: OUTPUT.datatype, shape: [...OUTPUT.shape] }];

/** OIP's error: a 4xx (or 503) status and `{"error": "<message>"}`. */
export class OipError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The served model, if the request names it (and its version, when it names one); OIP's 404 otherwise. */
export function servedModel(model: LoadedModel, name: string, version?: string): LoadedModel {
  if (name !== model.info.name) throw new OipError(404, `unknown model "${name.slice(0, 80)}"; this server serves "${model.info.name}"`);
  if (version !== undefined && version !== model.info.version) {
    throw new OipError(404, `model "${name}" has no version "${version.slice(0, 80)}"; it serves "${model.info.version}"`);
  }
  return model;
}
