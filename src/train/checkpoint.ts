// Ctrl-C checkpoints: everything `--resume` needs, as JSON with base64 float32 tensors, written atomically.
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { Params } from '../model/init.js';
import type { Checkpoint } from './trainer.js';

/** models/lenet.onnx → models/lenet.ckpt.json */
export const checkpointPathFor = (modelPath: string) => modelPath.replace(/\.onnx$/i, '') + '.ckpt.json';

const encode = (params: Params) =>
  Object.fromEntries([...params].map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')]));

const decode = (record: Record<string, string>): Params =>
  new Map(
    Object.entries(record).map(([k, b64]) => {
      const buf = Buffer.from(b64, 'base64');
      return [k, new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))];
    }),
  );

export async function saveCheckpoint(file: string, ckpt: Checkpoint): Promise<void> {
  const json = { ...ckpt, params: encode(ckpt.params), state: encode(ckpt.state) };
  await writeFileAtomic(file, JSON.stringify(json));
}

export function loadCheckpoint(file: string): Checkpoint {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot resume from ${file}: ${(err as Error).message}`);
  }
  return { ...json, params: decode(json.params), state: decode(json.state) };
}
