// Ctrl-C checkpoints: everything `--resume` needs, as JSON with base64 float32 tensors, written atomically.
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { besideModel } from '../model/model-files.js';
import type { Checkpoint } from './trainer.js';

/** models/lenet.onnx → models/lenet.ckpt.json */
export const checkpointPathFor = (modelPath: string) => besideModel(modelPath, '.ckpt.json');

const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

const decode = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

export async function saveCheckpoint(file: string, ckpt: Checkpoint): Promise<void> {
  const json = {
    ...ckpt,
    params: encode(ckpt.params),
    state: Object.fromEntries([...ckpt.state].map(([slot, v]) => [slot, encode(v)])),
  };
  await writeFileAtomic(file, JSON.stringify(json));
}

export function loadCheckpoint(file: string): Checkpoint {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot resume from ${file}: ${(err as Error).message}`, { cause: err });
  }
  return {
    ...json,
    // Checkpoints from before recipes had shards were trained with one (the whole batch in one graph).
    recipe: { shards: 1, ...json.recipe },
    params: decode(json.params),
    state: new Map(Object.entries(json.state as Record<string, string>).map(([slot, b64]) => [slot, decode(b64)])),
  };
}
