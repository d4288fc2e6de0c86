// The served model: LeNet's forward pass with the trained weights frozen in as initializers, plus a softmax.
//   input  image [N,1,28,28] float32, pixels in [0,1], white digit on black
//   output logits [N,10], probabilities [N,10]
import { Tape } from './autodiff.js';
import type { Params } from './init.js';
import { CLASSES, IMAGE_SHAPE, PARAMS, lenetForward, type Architecture } from './lenet.js';
import { DataType, encodeModel, makeGraph, makeModel, makeTensor, makeValueInfo } from './onnx-builder.js';

export const INPUT_NAME = 'image';
export const OUTPUT_NAMES = ['logits', 'probabilities'] as const;

export function buildInferenceModel(arch: Architecture, params: Params, metadata: Record<string, string>): Uint8Array {
  const t = new Tape();
  const logits = t.rename(lenetForward(t, INPUT_NAME, arch), 'logits');
  t.rename(t.op('Softmax', [logits], { axis: 1 }), 'probabilities');

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
