// The served model: loaded and checked against the input contract (src/model/input-contract.ts), warmed up, then run
// on batches of images.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES, IMAGE_SHAPE, INPUT_NAME as INPUT, PIXELS, PROBABILITIES as OUTPUT } from '../model/input-contract.js';
import { DataType, decodeModel, readMetadata, type ModelProto } from '../model/onnx-builder.js';
import { CudaUnavailableError, openSession, type Device, type OpenedSession, type Provider } from '../model/session.js';

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
  return openModelFile(file, bytes, device, threads, {
    input: INPUT,
    output: OUTPUT,
    check: checkSignature,
    run: (session) => async (images: Float32Array, n: number) => {
      const out = await session.run({ [INPUT]: new ort.Tensor('float32', images, batchShape(n)) }, [OUTPUT]);
      return out[OUTPUT].data as Float32Array;
    },
    // Two batch sizes prove what the declared shapes only promise: that the batch dimension is free (the batcher runs any
    // size) and each image gets 10.
    async warmUp(run) {
      for (const n of [1, 3]) {
        const probs = await run(new Float32Array(n * PIXELS).fill(0.5), n);
        if (probs.length !== n * CLASSES) throw new Error(`a batch of ${n} gave ${probs.length} values, expected ${n * CLASSES}`);
        if (!probs.every(Number.isFinite)) throw new Error(`a batch of ${n} gave values that are not finite numbers`);
      }
    },
  });
}

/** What a kind of model file must be and how it is run: its input and output names, its declared signature's check (the
 * reason it does not fit, or undefined), its run function over a session, and a warm-up that throws when it misbehaves. */
export interface ModelKind<Run> {
  input: string;
  output: string;
  check(graph: ModelProto): string | undefined;
  run(session: ort.InferenceSession): Run;
  warmUp(run: Run): Promise<void>;
}

/** A model as the server holds it: its identity, where it runs, and its run function. */
export interface OpenedModel<Run> {
  info: ModelInfo;
  provider: Provider;
  fallbackReason?: string;
  run: Run;
  release(): Promise<void>;
}

/** What every model file goes through (the digit model's and the line model's): decoded as ONNX, its declared
 * signature checked, a session opened on `device`, its names checked, then warmed up: the first run allocates and plans,
 * so it happens before we say we are ready. A failure after the session opened releases it. */
export async function openModelFile<Run>(
  file: string,
  bytes: Uint8Array,
  device: Device,
  threads: number,
  kind: ModelKind<Run>,
): Promise<OpenedModel<Run>> {
  let metadata: Record<string, string>;
  let graph: ModelProto;
  try {
    graph = decodeModel(bytes);
    metadata = readMetadata(graph);
  } catch (err) {
    throw new ModelLoadError(`${file} is not an ONNX model (${(err as Error).message})`, { cause: err });
  }
  const wrong = kind.check(graph);
  if (wrong) throw new ModelLoadError(`${file}: ${wrong}`);
  let opened: OpenedSession;
  try {
    opened = await openSession(new Uint8Array(bytes), device, { threads });
  } catch (err) {
    const message = (err as Error).message;
    throw new ModelLoadError(
      err instanceof CudaUnavailableError ? message : `${file}: ONNX Runtime cannot load it (${message.split('\n')[0]})`,
      { cause: err },
    );
  }
  const { session, provider, fallbackReason } = opened;
  if (!session.inputNames.includes(kind.input) || !session.outputNames.includes(kind.output)) {
    await session.release();
    throw new ModelLoadError(
      `${file}: expected input "${kind.input}" and output "${kind.output}", found inputs [${session.inputNames}] and outputs [${session.outputNames}]`,
    );
  }
  const run = kind.run(session);
  try {
    await kind.warmUp(run);
  } catch (err) {
    await session.release();
    throw new ModelLoadError(`${file}: warm-up inference failed (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
  return { info: infoOf(file, bytes, metadata, session), provider, fallbackReason, run, release: () => session.release() };
}

/** A loaded model's identity: its metadata's name and version (else the file's name), the file's sha256 and path, and
 * the session's input and output names. */
function infoOf(file: string, bytes: Uint8Array, metadata: Record<string, string>, session: ort.InferenceSession): ModelInfo {
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
