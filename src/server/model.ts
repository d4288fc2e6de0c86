// The served model: loaded and checked against the input contract (src/model/input-contract.ts), warmed up, then run
// on batches of images.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES, INPUT_NAME as INPUT, PIXELS, PROBABILITIES as OUTPUT } from '../model/input-contract.js';
import { decodeModel, readMetadata } from '../model/onnx-builder.js';
import { openSession, type Device, type Provider } from '../model/session.js';

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

export async function loadModel(file: string, device: Device, threads: number): Promise<LoadedModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ModelLoadError(`cannot read model file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let metadata: Record<string, string>;
  try {
    metadata = readMetadata(decodeModel(bytes));
  } catch (err) {
    throw new ModelLoadError(`${file} is not an ONNX model (${(err as Error).message})`, { cause: err });
  }
  let opened;
  try {
    opened = await openSession(new Uint8Array(bytes), device, { threads });
  } catch (err) {
    const message = (err as Error).message;
    throw new ModelLoadError(/CUDA/.test(message) ? message : `${file}: ONNX Runtime cannot load it (${message.split('\n')[0]})`, { cause: err });
  }
  const { session, provider, fallbackReason } = opened;
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
  // Warm-up: the first run allocates and plans; do it before we say we are ready. A batch of 2 also proves the shapes
  // work and that the batch dimension is dynamic, which the batcher relies on.
  try {
    const probs = await run(new Float32Array(2 * PIXELS), 2);
    if (probs.length !== 2 * CLASSES) throw new Error(`output has ${probs.length / 2} values per image, expected ${CLASSES}`);
  } catch (err) {
    await session.release();
    throw new ModelLoadError(`${file}: warm-up inference failed (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }

  return {
    info: {
      name: metadata.name || path.basename(file).replace(/\.onnx$/i, ''),
      version: metadata.version || 'unversioned',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      path: file,
      inputs: session.inputNames,
      outputs: session.outputNames,
    },
    provider,
    fallbackReason,
    run,
    release: () => session.release(),
  };
}
