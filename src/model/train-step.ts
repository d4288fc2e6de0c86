// The whole training step as ONE ONNX graph: forward, mean cross-entropy, backward, optimizer update.
//   inputs:  image [N,1,28,28], label [N] (int64), hyper-parameter scalars, every parameter, every optimizer slot
//   outputs: loss (scalar), logits [N,10], `<param>.next`, `<param>.<slot>.next`
import { Tape } from './autodiff.js';
import { CLASSES, IMAGE_SHAPE, PARAMS, lenetForward, type Architecture } from './lenet.js';
import { DataType, encodeModel, makeGraph, makeModel, makeValueInfo } from './onnx-builder.js';
import { HYPER_INPUTS, STATE_SLOTS, emitUpdate, type OptimizerConfig } from './optimizers.js';

export interface TrainStepModel {
  bytes: Uint8Array;
  hyperInputs: string[];
  /** Optimizer state tensors in graph order: `<param>.<slot>`, shaped like their parameter. */
  state: Array<{ name: string; shape: number[] }>;
}

export const next = (name: string): string => `${name}.next`;

export function buildTrainStep(arch: Architecture, optimizer: OptimizerConfig): TrainStepModel {
  const t = new Tape();
  for (const p of PARAMS) t.requireGrad(p.name);

  const logits = lenetForward(t, 'image', arch);
  const loss = t.softmaxCrossEntropy(logits, 'label', CLASSES);
  t.backward(loss, t.constant([1], []));

  const slots = STATE_SLOTS[optimizer.name];
  const state: TrainStepModel['state'] = [];
  const updated: Array<[string, string]> = []; // [value, output name]
  for (const p of PARAMS) {
    const grad = t.gradOf(p.name);
    if (!grad) throw new Error(`no gradient reaches ${p.name}`);
    const slotNames = slots.map((s) => `${p.name}.${s}`);
    const step = emitUpdate(t, optimizer, p.name, grad, slotNames);
    updated.push([step.param, next(p.name)]);
    slotNames.forEach((name, i) => {
      state.push({ name, shape: p.shape });
      updated.push([step.state[i], next(name)]);
    });
  }
  for (const [value, name] of updated) t.rename(value, name);
  t.rename(loss, 'loss');
  t.rename(logits, 'logits');

  const F = DataType.FLOAT;
  const hyperInputs = HYPER_INPUTS[optimizer.name];
  const tensors = [...PARAMS, ...state];
  const graph = makeGraph(
    t.nodes,
    'lenet_train_step',
    [
      makeValueInfo('image', F, ['N', ...IMAGE_SHAPE]),
      makeValueInfo('label', DataType.INT64, ['N']),
      ...hyperInputs.map((name) => makeValueInfo(name, F, [])),
      ...tensors.map((p) => makeValueInfo(p.name, F, p.shape)),
    ],
    [
      makeValueInfo('loss', F, []),
      makeValueInfo('logits', F, ['N', CLASSES]),
      ...tensors.map((p) => makeValueInfo(next(p.name), F, p.shape)),
    ],
    t.constants,
  );
  return { bytes: encodeModel(makeModel(graph)), hyperInputs, state };
}
