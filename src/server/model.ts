// The served model: loaded and checked against the input contract (src/model/input-contract.ts), warmed up, then run
// on batches of images.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES, IMAGE_SHAPE, INPUT_NAME as INPUT, PIXELS, PROBABILITIES as OUTPUT } from '../model/input-contract.js';
import { DataType, decodeModel, readMetadata, type ModelProto } from '../model/onnx-builder.js';
import { CudaUnavailableError, openSession, type Device, type Provider } from '../model/session.js';

export interface ModelInfo {
  name: string;
  version: string;
  sha256: string;
  path: string;
  inputs: readonly string[];
  outputs: readonly string[];
}

export class ModelLoadError extends Error {}

export interface LoadedModel {
  info: ModelInfo;
  provider: Provider;
  fallbackReason?: string;
  /** Probabilities [n, CLASSES] for n images given as n × PIXELS floats in [0,1]. */
  run(images: Float32Array, n: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Each of `tensors` (PIXELS floats each) classified in one run of `model`: a view of CLASSES probabilities per tensor.
 * For the reader outside the service (`predict --read`, scripts, tests), which has no batcher. */
export async function runEach(model: LoadedModel, tensors: Float32Array[]): Promise<Float32Array[]> {
  const input = new Float32Array(tensors.length * PIXELS);
  tensors.forEach((t, i) => input.set(t, i * PIXELS));
  const out = await model.run(input, tensors.length);
  return tensors.map((_, i) => out.subarray(i * CLASSES, (i + 1) * CLASSES));
}

export async function loadModel(file: string, device: Device, threads: number): Promise<LoadedModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Trying a path before any training is the common case: say how to make one.
    const hint =
      code === 'ENOENT'
        ? ` (no such file; \`npm run train -- --out ${file}\` makes one, and models/lenet.onnx is the committed model)`
        : '';
    throw new ModelLoadError(`cannot read model file ${file}: ${code ?? (err as Error).message}${hint}`, { cause: err });
  }
  const { session, provider, fallbackReason, metadata } = await openModelFile(file, bytes, device, threads, checkSignature);
  if (!session.inputNames.includes(INPUT) || !session.outputNames.includes(OUTPUT)) {
    await session.release();
    throw new ModelLoadError(
      `${file}: expected input "${INPUT}" and output "${OUTPUT}", found inputs [${session.inputNames}] and outputs [${session.outputNames}]`,
    );
  }

  const run = async (images: Float32Array, n: number) => {
    const out = await session.run({ [INPUT]: new ort.Tensor('float32', images, batchShape(n)) }, [OUTPUT]);
    return out[OUTPUT].data as Float32Array;
  };
  // Warm-up: the first run allocates and plans; do it before we say we are ready. Two batch sizes prove what the
  // declared shapes only promise: that the batch dimension is free (the batcher runs any size) and each image gets 10.
  try {
    for (const n of [1, 3]) {
      const probs = await run(new Float32Array(n * PIXELS).fill(0.5), n);
      if (probs.length !== n * CLASSES) throw new Error(`a batch of ${n} gave ${probs.length} values, expected ${n * CLASSES}`);
      if (!probs.every(Number.isFinite)) throw new Error(`a batch of ${n} gave values that are not finite numbers`);
    }
  } catch (err) {
    await session.release();
    throw new ModelLoadError(`${file}: warm-up inference failed (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }

  return {
    info: infoOf(file, bytes, metadata, session),
    provider,
    fallbackReason,
    run,
    release: () => session.release(),
  };
}

/** What every model file goes through (the digit model's and the line model's): decoded as ONNX, its declared
 * signature checked by `check` (the reason it does not fit, or undefined), a session opened on `device`. */
export async function openModelFile(
  file: string,
  bytes: Uint8Array,
  device: Device,
  threads: number,
  check: (graph: ModelProto) => string | undefined,
) {
  let metadata: Record<string, string>;
  let graph: ModelProto;
  try {
    graph = decodeModel(bytes);
    metadata = readMetadata(graph);
  } catch (err) {
    throw new ModelLoadError(`${file} is not an ONNX model (${(err as Error).message})`, { cause: err });
  }
  const wrong = check(graph);
  if (wrong) throw new ModelLoadError(`${file}: ${wrong}`);
  try {
    return { ...(await openSession(new Uint8Array(bytes), device, { threads })), metadata };
  } catch (err) {
    const message = (err as Error).message;
    throw new ModelLoadError(
      err instanceof CudaUnavailableError ? message : `${file}: ONNX Runtime cannot load it (${message.split('\n')[0]})`,
      { cause: err },
    );
  }
}

/** A loaded model's identity: its metadata's name and version (else the file's name), the file's sha256 and path, and
 * the session's input and output names. */
export function infoOf(file: string, bytes: Uint8Array, metadata: Record<string, string>, session: ort.InferenceSession): ModelInfo {
  return {
    name: metadata.name || path.basename(file).replace(/\.onnx$/i, ''),
    version: metadata.version || 'unversioned',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    path: file,
    inputs: session.inputNames,
    outputs: session.outputNames,
  };
}

/** What the batcher needs, read from the graph's declared shapes: input float [N,1,28,28] and output [N,10], N free.
 * The reason it does not fit, or undefined. */
function checkSignature(model: ModelProto): string | undefined {
  const declared = (list: 'input' | 'output', name: string) => {
    const info = model.graph?.[list]?.find((v) => v.name === name);
    const tensor = info?.type?.tensorType;
    if (!tensor) return undefined;
    const dims = (tensor.shape?.dim ?? []).map((d) => (d.dimValue != null && !d.dimParam ? Number(d.dimValue) : undefined));
    return {
      float: tensor.elemType === DataType.FLOAT,
      dims,
      shown: `[${(tensor.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue ?? 0) || '?')}]`,
    };
  };
  for (const [list, name, rest] of [
    ['input', INPUT, IMAGE_SHAPE],
    ['output', OUTPUT, [CLASSES]],
  ] as const) {
    const shape = declared(list, name);
    if (!shape) continue; // a name that is missing is reported with the session's names below
    const wanted = `float [N,${rest.join(',')}]`;
    if (!shape.float || shape.dims.length !== rest.length + 1 || rest.some((d, i) => shape.dims[i + 1] !== d)) {
      return `${list} "${name}" is declared ${shape.float ? '' : 'not float, '}${shape.shown}; expected ${wanted}`;
    }
    if (shape.dims[0] !== undefined && shape.dims[0] > 0) {
      return `${list} "${name}" has its batch dimension fixed at ${shape.dims[0]} (${shape.shown}); the batcher needs it free: ${wanted}`;
    }
  }
  return undefined;
}
