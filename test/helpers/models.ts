// Model files for reload tests: the committed model, and a second valid LeNet (untrained, other weights) to swap in.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initParams } from '../../src/model/init.js';
import { buildInferenceModel } from '../../src/model/inference-graph.js';
import { decodeModel, encodeModel } from '../../src/model/onnx-builder.js';
import { createRng } from '../../src/model/random.js';

export function modelDir(): { dir: string; modelPath: string; other: Uint8Array } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lenet-reload-'));
  const modelPath = path.join(dir, 'lenet.onnx');
  copyFileSync('models/lenet.onnx', modelPath);
  const other = buildInferenceModel({ activation: 'relu', layout: 'lenet5' }, initParams(createRng(7)), {
    name: 'lenet',
    version: 'reload-test',
  });
  return { dir, modelPath, other };
}

/** Replace the file the way a deploy should: write beside it, then rename over it. */
export function replaceModel(modelPath: string, bytes: Uint8Array | string): void {
  const tmp = `${modelPath}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, modelPath);
}

/** The committed model with its batch dimension fixed at `batch` in the declared input and output shapes (a model the
 * batcher cannot use: it runs batches of every size). */
export function fixedBatchModel(batch = 2): Uint8Array {
  const model = decodeModel(readFileSync('models/lenet.onnx'));
  for (const info of [...model.graph!.input!, ...model.graph!.output!]) info.type!.tensorType!.shape!.dim![0] = { dimValue: batch };
  return encodeModel(model);
}

/** `file` (an exported model) spoilt the ways a model file can mislead a reader of its weights, each with the error it
 * must get: cut short, a tensor declaring more values than it holds, one declaring an impossible size. */
export function misleadingModels(file: string): Array<[what: string, bytes: Uint8Array, error: RegExp]> {
  const bytes = readFileSync(file);
  const lying = (name: string, dims: number[]) => {
    const model = decodeModel(bytes);
    const tensor = model.graph!.initializer!.find((t) => t.name === name)!;
    tensor.dims = dims;
    return encodeModel(model);
  };
  return [
    ['cut short', bytes.subarray(0, bytes.length - 5000), /not an ONNX model \(/],
    [
      'conv1.weight declaring 180 values, holding 150',
      lying('conv1.weight', [6, 1, 5, 6]),
      /conv1\.weight declares 180 values .* holds 600 bytes/,
    ],
    [
      'fc1.bias declaring 2^40 values',
      lying('fc1.bias', [2 ** 20, 2 ** 20]),
      /fc1\.bias declares dims \[1048576, 1048576\], not a tensor's/,
    ],
  ];
}
