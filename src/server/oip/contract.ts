// What the Open Inference Protocol (v2) says about the served model: its platform and its one input and one output,
// with -1 for the batch dimension as OIP's model metadata writes a variable-size dimension.
import { CLASSES, IMAGE_SHAPE, INPUT_NAME, PIXELS, PROBABILITIES } from '../../model/input-contract.js';

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
