// Ctrl-C checkpoints: everything `--resume` needs, as JSON with base64 float32 tensors, written atomically.
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { besideModel } from '../model/model-files.js';
import type { Checkpoint } from './trainer.js';

/** models/lenet.onnx → models/lenet.ckpt.json */
export const checkpointPathFor = (modelPath: string) => besideModel(modelPath, '.ckpt.json');

/** Float32 tensors as base64, in checkpoints. */
const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

const decode = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

/** What both trainers checkpoint: their flat parameters and the optimiser's state, beside fields of their own. */
interface Tensors {
  params: Float32Array;
  state: Map<string, Float32Array>;
}

/** Writes a checkpoint atomically (no half-written file), its tensors as base64. */
export async function saveTensors(file: string, ckpt: Tensors): Promise<void> {
  const json = {
    ...ckpt,
    params: encode(ckpt.params),
    state: Object.fromEntries([...ckpt.state].map(([slot, v]) => [slot, encode(v)])),
  };
  await writeFileAtomic(file, JSON.stringify(json));
}

/** Reads a checkpoint saveTensors wrote, its tensors decoded; an unreadable file is one sentence naming it. */
export function loadTensors<T extends Tensors>(file: string): T {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot resume from ${file}: ${(err as Error).message}`, { cause: err });
  }
  return {
    ...json,
    params: decode(json.params),
    state: new Map(Object.entries(json.state as Record<string, string>).map(([slot, b64]) => [slot, decode(b64)])),
  };
}

export const saveCheckpoint = (file: string, ckpt: Checkpoint): Promise<void> => saveTensors(file, ckpt);

export function loadCheckpoint(file: string): Checkpoint {
  const ckpt = loadTensors<Checkpoint>(file);
  // Checkpoints from before recipes had shards were trained with one (the whole batch in one graph).
  return { ...ckpt, recipe: { shards: 1, ...(ckpt.recipe as Partial<Checkpoint['recipe']>) } as Checkpoint['recipe'] };
}
