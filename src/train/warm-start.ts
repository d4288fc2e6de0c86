// A run that starts from a trained LeNet's weights instead of the recipe's random ones (a fine-tune, e.g. #35's fonts):
// the exported model's initializers, by parameter name. The optimizer state starts fresh. The file is pinned by its
// sha256 in the recipe, so the card says what the run grew from and a resumed run refuses a different file.
import { flattenParams, type Params } from '../model/init.js';
import { PARAMS } from '../model/lenet.js';
import { modelWeights, ModelWeightsError, readModelFile } from '../model/model-weights.js';
import { numel } from '../model/onnx-builder.js';

export interface WarmStart {
  file: string;
  sha256: string;
}

export class WarmStartError extends Error {}

/** What `read` says, as the flag's own error. */
function asFlag<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ModelWeightsError) throw new WarmStartError(`--init ${err.message}`);
    throw err;
  }
}

/** The file pinned as it is now. */
export function pinWarmStart(file: string): WarmStart {
  return { file, sha256: asFlag(() => readModelFile(file)).sha256 };
}

/** The pinned model's weights, flattened in PARAMS order; refuses a file that changed or is not this LeNet. */
export function warmStartParams({ file, sha256 }: WarmStart): Float32Array {
  const { bytes, sha256: found } = asFlag(() => readModelFile(file));
  if (found !== sha256) throw new WarmStartError(`--init ${file}: sha256 ${found.slice(0, 12)}…, not the pinned ${sha256.slice(0, 12)}…`);
  const weights = asFlag(() => modelWeights(bytes, file));
  const params: Params = new Map();
  for (const p of PARAMS) {
    const values = weights.get(p.name)?.values;
    if (!values || values.length !== numel(p.shape))
      throw new WarmStartError(`--init ${file}: no ${p.name} of ${numel(p.shape)} values (not a LeNet exported by this trainer?)`);
    params.set(p.name, values);
  }
  return flattenParams(params);
}
