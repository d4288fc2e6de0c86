// A run that starts from a trained LeNet's weights instead of the recipe's random ones (a fine-tune, e.g. #35's fonts):
// the exported model's initializers, by parameter name. The optimizer state starts fresh. The file is pinned by its
// sha256 in the recipe, so the card says what the run grew from and a resumed run refuses a different file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { flattenParams, type Params } from '../model/init.js';
import { PARAMS } from '../model/lenet.js';
import { decodeModel, numel, tensorToFloat32 } from '../model/onnx-builder.js';

export interface WarmStart {
  file: string;
  sha256: string;
}

export class WarmStartError extends Error {}

/** Bigger than any LeNet this project exports (170 KB): refused before it is read. */
const MAX_MODEL_BYTES = 16 * 2 ** 20;

function read(file: string): Buffer {
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_MODEL_BYTES) throw new WarmStartError(`--init ${file}: ${bytes.length} bytes, more than a LeNet's`);
    return bytes;
  } catch (err) {
    if (err instanceof WarmStartError) throw err;
    throw new WarmStartError(
      `--init ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

/** The file pinned as it is now. */
export function pinWarmStart(file: string): WarmStart {
  return { file, sha256: createHash('sha256').update(read(file)).digest('hex') };
}

/** The pinned model's weights, flattened in PARAMS order; refuses a file that changed or is not this LeNet. */
export function warmStartParams({ file, sha256 }: WarmStart): Float32Array {
  const bytes = read(file);
  const found = createHash('sha256').update(bytes).digest('hex');
  if (found !== sha256) throw new WarmStartError(`--init ${file}: sha256 ${found.slice(0, 12)}…, not the pinned ${sha256.slice(0, 12)}…`);
  let initializers;
  try {
    initializers = decodeModel(bytes).graph?.initializer ?? [];
  } catch (err) {
    throw new WarmStartError(`--init ${file}: not an ONNX model (${(err as Error).message})`);
  }
  const byName = new Map(initializers.map((t) => [t.name ?? '', t]));
  const params: Params = new Map();
  for (const p of PARAMS) {
    const t = byName.get(p.name);
    const values = t && tensorToFloat32(t);
    if (!values || values.length !== numel(p.shape))
      throw new WarmStartError(`--init ${file}: no ${p.name} of ${numel(p.shape)} values (not a LeNet exported by this trainer?)`);
    params.set(p.name, values);
  }
  return flattenParams(params);
}
