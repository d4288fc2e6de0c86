// The served model: LeNet's forward pass with the trained weights frozen in as initializers, plus a softmax.
// Its inputs and outputs are the ones input-contract.ts names.
import { Tape } from './autodiff.js';
import type { Params } from './init.js';
import { CLASSES, IMAGE_SHAPE, INPUT_NAME, LOGITS, OUTPUT_NAMES, PROBABILITIES } from './input-contract.js';
import { PARAMS, lenetForward, type Architecture } from './lenet.js';
import { DataType, encodeModel, makeGraph, makeModel, makeTensor, makeValueInfo } from './onnx-builder.js';

export function buildInferenceModel(arch: Architecture, params: Params, metadata: Record<string, string>): Uint8Array {
  const t = new Tape();
  const logits = t.rename(lenetForward(t, INPUT_NAME, arch), LOGITS);
  t.rename(t.op('Softmax', [logits], { axis: 1 }), PROBABILITIES);

  const F = DataType.FLOAT;
  const weights = PARAMS.map((p) => {
    const values = params.get(p.name);
    if (!values) throw new Error(`missing parameter ${p.name}`);
    return makeTensor(p.name, p.shape, values);
  });
  const graph = makeGraph(
    t.nodes,
    'lenet',
    [makeValueInfo(INPUT_NAME, F, ['N', ...IMAGE_SHAPE])],
    OUTPUT_NAMES.map((name) => makeValueInfo(name, F, ['N', CLASSES])),
    [...weights, ...t.constants],
  );
  return encodeModel(makeModel(graph, metadata, 'LeNet for MNIST digits: see models/lenet.json for its card.'));
}
