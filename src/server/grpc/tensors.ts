// A ModelInferRequest → the images to run, and the probabilities → a ModelInferResponse. The checks REST makes (one
// input, its name, datatype, shape and batch limit, finite values, the outputs asked for) are the same functions
// (oip/tensors.ts); what is gRPC's own is where the values travel: `contents.fp32_contents` or `raw_input_contents`
// (little-endian FP32 bytes), never both, each checked against the shape before it is read.
import { INPUT, OUTPUT } from '../oip/contract.js';
import {
  bad,
  checkFinite,
  checkInput,
  floatsFromLE,
  floatsToLE,
  resolveOutputs,
  type InferRequest,
  type InferResult,
  type Limits,
} from '../oip/tensors.js';
import { parameterValue, type InferTensorContents, type ModelInferRequest, type ModelInferResponse } from './proto.js';

/** The typed contents fields other than FP32's, which this model's input cannot take. */
const OTHER_CONTENTS = [
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp64_contents',
  'bytes_contents',
] as const;

export function parseModelInferRequest(request: ModelInferRequest, limits: Limits): InferRequest {
  const { inputs, raw_input_contents: raw } = request;
  if (inputs.length !== 1) throw bad(`expected one input tensor "${INPUT.name}", got ${inputs.length}`);
  const [input] = inputs;
  const n = checkInput(input, limits);
  const count = n * INPUT.perItem;
  const contents: Partial<InferTensorContents> = input.contents ?? {};
  const other = OTHER_CONTENTS.find((field) => (contents[field]?.length ?? 0) > 0);
  if (other)
    throw bad(`input "${INPUT.name}" is FP32: send its values in contents.fp32_contents or raw_input_contents, not contents.${other}`);
  const typed = contents.fp32_contents ?? [];

  let images: Float32Array;
  if (raw.length > 0) {
    if (typed.length > 0) throw bad(`input "${INPUT.name}" has both contents.fp32_contents and raw_input_contents; send one of them`);
    if (raw.length !== 1) throw bad(`raw_input_contents holds ${raw.length} tensors; the request has 1 input`);
    if (raw[0].length !== count * 4)
      throw bad(`raw_input_contents[0] is ${raw[0].length} bytes; shape [${input.shape}] of FP32 is ${count * 4} bytes`);
    images = floatsFromLE(raw[0]);
  } else {
    if (typed.length !== count) throw bad(`shape [${input.shape}] needs ${count} values, contents.fp32_contents has ${typed.length}`);
    images = Float32Array.from(typed);
  }
  checkFinite(images);
  // REST's binary extension's choice, with the same parameter names; when neither says, outputs go as the inputs came
  // (KServe's rule, and what Triton's clients read: they send raw tensors and read raw_output_contents).
  const outputs = resolveOutputs(
    parameterValue(request.parameters.binary_data_output),
    request.outputs.map(({ name, parameters }) => ({ name, binary: parameterValue(parameters.binary_data) })),
    raw.length > 0,
  );
  return { id: request.id || undefined, images, n, outputs };
}

/** The outputs asked for: raw ones in raw_output_contents (in the order of `outputs`), the others in contents. */
export function encodeModelInferResponse(result: InferResult): ModelInferResponse {
  const shape = [result.n, OUTPUT.perItem];
  return {
    model_name: result.modelName,
    model_version: result.modelVersion,
    id: result.id ?? '',
    outputs: result.outputs.map(({ name, binary }) => ({
      name,
      datatype: OUTPUT.datatype,
      shape,
      ...(binary ? {} : { contents: { fp32_contents: Array.from(result.probabilities) } }),
    })),
    raw_output_contents: result.outputs.filter((o) => o.binary).map(() => floatsToLE(result.probabilities)),
  };
}
