// The whole training step as ONE ONNX graph: forward, mean cross-entropy, backward, optimizer update.
//   inputs:  image [N,1,28,28], label [N] (int64), hyper-parameter scalars,
//            params [P] (every parameter, flattened and concatenated in PARAMS order), one [P] vector per optimizer slot
//   outputs: loss (scalar), logits [N,10], params.next [P], <slot>.next [P]
// Parameters travel as one flat vector so the optimizer is a dozen nodes rather than a dozen per parameter tensor:
// ORT's per-node overhead, not arithmetic, dominates a model this small.
import { Tape } from './autodiff.js';
import { CLASSES, IMAGE_SHAPE, PARAMS, lenetForward, paramCount, type Architecture } from './lenet.js';
import { DataType, encodeModel, makeGraph, makeModel, makeValueInfo, numel } from './onnx-builder.js';
import { HYPER_INPUTS, STATE_SLOTS, emitUpdate, type OptimizerConfig } from './optimizers.js';

export interface TrainStepModel {
  bytes: Uint8Array;
  hyperInputs: string[];
  /** Optimizer state vectors, each [P], zero at the start. */
  slots: string[];
}

export const PARAMS_INPUT = 'params';
export const next = (name: string): string => `${name}.next`;

export function buildTrainStep(arch: Architecture, optimizer: OptimizerConfig): TrainStepModel {
  const t = new Tape();
  const sizes = PARAMS.map((p) => numel(p.shape));
  const pieces = t.emit('Split', [PARAMS_INPUT, t.int64s(sizes)], { axis: 0 }, PARAMS.length);
  PARAMS.forEach((p, i) => t.requireGrad(t.rename(t.op('Reshape', [pieces[i], t.int64s(p.shape)]), p.name)));

  const logits = lenetForward(t, 'image', arch);
  const loss = t.softmaxCrossEntropy(logits, 'label', CLASSES);
  t.backward(loss, t.constant([1], []));

  const flat = t.int64s([-1]);
  const grads = PARAMS.map((p) => {
    const grad = t.gradOf(p.name);
    if (!grad) throw new Error(`no gradient reaches ${p.name}`);
    return t.op('Reshape', [grad, flat]);
  });
  const slots = STATE_SLOTS[optimizer.name];
  const step = emitUpdate(t, optimizer, PARAMS_INPUT, t.op('Concat', grads, { axis: 0 }), slots);
  t.rename(step.param, next(PARAMS_INPUT));
  slots.forEach((slot, i) => t.rename(step.state[i], next(slot)));
  t.rename(loss, 'loss');
  t.rename(logits, 'logits');

  const F = DataType.FLOAT;
  const P = paramCount();
  const hyperInputs = HYPER_INPUTS[optimizer.name];
  const graph = makeGraph(
    t.nodes,
    'lenet_train_step',
    [
      makeValueInfo('image', F, ['N', ...IMAGE_SHAPE]),
      makeValueInfo('label', DataType.INT64, ['N']),
      ...hyperInputs.map((name) => makeValueInfo(name, F, [])),
      ...[PARAMS_INPUT, ...slots].map((name) => makeValueInfo(name, F, [P])),
    ],
    [
      makeValueInfo('loss', F, []),
      makeValueInfo('logits', F, ['N', CLASSES]),
      ...[PARAMS_INPUT, ...slots].map((name) => makeValueInfo(next(name), F, [P])),
    ],
    t.constants,
  );
  return { bytes: encodeModel(makeModel(graph)), hyperInputs, slots };
}
