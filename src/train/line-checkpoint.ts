// The line trainer's checkpoints: what --resume needs, as JSON with base64 float32 tensors, written atomically.
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { besideModel } from '../model/model-files.js';
import { decode, encode } from './checkpoint.js';
import type { LineCheckpoint } from './line-trainer.js';

/** models/line.onnx → models/line.ckpt.json */
export const lineCheckpointPath = (modelPath: string) => besideModel(modelPath, '.ckpt.json');

export async function saveLineCheckpoint(file: string, c: LineCheckpoint): Promise<void> {
  const json = { ...c, params: encode(c.params), state: Object.fromEntries([...c.state].map(([k, v]) => [k, encode(v)])) };
  await writeFileAtomic(file, JSON.stringify(json));
}

export function loadLineCheckpoint(file: string): LineCheckpoint {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot resume from ${file}: ${(err as Error).message}`, { cause: err });
  }
  return {
    ...json,
    params: decode(json.params),
    state: new Map(Object.entries(json.state as Record<string, string>).map(([k, v]) => [k, decode(v)])),
  };
}
