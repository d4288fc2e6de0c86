// The float weights an exported ONNX model holds (its initializers), by name: what a warm start reads. A model file is
// input like any other, so every size it declares is checked before it is believed: the file's against a limit, each
// tensor's dims against its data, each tensor's type.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { DataType, decodeModel, numel } from './onnx-builder.js';

export class ModelWeightsError extends Error {}

/** Far bigger than any model this project exports (~170 KB): refused before it is read. */
export const MAX_MODEL_BYTES = 16 * 2 ** 20;
/** No tensor of ours comes near this many values; a dims product past it is a lie, not a model. */
const MAX_VALUES = MAX_MODEL_BYTES / 4;

/** A model file's bytes and their sha256; a missing, unreadable or oversized file is a ModelWeightsError. */
export function readModelFile(file: string): { bytes: Buffer; sha256: string } {
  let bytes: Buffer;
  try {
    const { size } = statSync(file);
    if (size > MAX_MODEL_BYTES) throw new ModelWeightsError(`${file}: ${size} bytes, more than the ${MAX_MODEL_BYTES} a model may be`);
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof ModelWeightsError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelWeightsError(`${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Every float initializer of the model in `bytes` (read from `file`, named in errors), its values checked against
 * its dims. A tensor of another type is left out: no weight of ours is one. */
export function modelWeights(bytes: Uint8Array, file: string): Map<string, { dims: number[]; values: Float32Array }> {
  let initializers;
  try {
    initializers = decodeModel(bytes).graph?.initializer ?? [];
  } catch (err) {
    throw new ModelWeightsError(`${file}: not an ONNX model (${(err as Error).message})`);
  }
  const weights = new Map<string, { dims: number[]; values: Float32Array }>();
  for (const t of initializers) {
    const name = t.name ?? '';
    if (t.dataType !== DataType.FLOAT) continue;
    const dims = (t.dims ?? []).map(Number);
    const count = numel(dims);
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 0) || count > MAX_VALUES)
      throw new ModelWeightsError(`${file}: ${name} declares dims [${dims.join(', ')}], not a tensor's`);
    const raw = t.rawData;
    let values: Float32Array;
    if (raw && raw.length > 0) {
      if (raw.length !== 4 * count)
        throw new ModelWeightsError(`${file}: ${name} declares ${count} values ([${dims.join(', ')}]) but holds ${raw.length} bytes`);
      values = new Float32Array(count);
      new Uint8Array(values.buffer).set(raw); // a copy: raw_data's offset in the file need not be 4-aligned
    } else {
      const floats = t.floatData ?? [];
      if (floats.length !== count)
        throw new ModelWeightsError(`${file}: ${name} declares ${count} values ([${dims.join(', ')}]) but holds ${floats.length}`);
      values = Float32Array.from(floats);
    }
    if (weights.has(name)) throw new ModelWeightsError(`${file}: two initializers named ${name}`);
    weights.set(name, { dims, values });
  }
  return weights;
}
