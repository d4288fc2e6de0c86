// Optimizers: their updates as graph nodes, appended after the backward pass so one run does the whole step (not
// differentiated, so they use Tape.op directly), and the per-step scalars the graph reads: the scheduled learning rate
// and Adam's bias corrections.
import type { Tape, Value } from './autodiff.js';

export type OptimizerName = 'momentum' | 'adam';

export interface OptimizerConfig {
  name: OptimizerName;
  momentum: number; // momentum: v = μ·v + g
  beta1: number; // adam
  beta2: number;
  eps: number;
}

/** Scalar graph inputs each optimizer reads every step (computed by the trainer). */
export const HYPER_INPUTS: Record<OptimizerName, string[]> = {
  momentum: ['lr'],
  // Adam's bias corrections 1 − β^t depend on the step, so they come in as inputs rather than graph state.
  adam: ['lr', 'bias_correction1', 'bias_correction2'],
};

/** Per-parameter state slots, zero at the start. */
export const STATE_SLOTS: Record<OptimizerName, string[]> = {
  momentum: ['velocity'],
  adam: ['exp_avg', 'exp_avg_sq'],
};

export type Schedule = 'constant' | 'cosine';

/** The learning rate at step `step` (0-based) of `totalSteps`: constant, or cosine-decayed from `lr` to 0. */
export function scheduledLr(schedule: Schedule, lr: number, step: number, totalSteps: number): number {
  if (schedule === 'constant') return lr;
  return 0.5 * lr * (1 + Math.cos((Math.PI * step) / totalSteps));
}

/** The HYPER_INPUTS values for optimizer step t (1-based): the learning rate, and Adam's bias corrections 1 − β^t. */
export function hyperInputs(cfg: OptimizerConfig, lr: number, t: number): Record<string, number> {
  if (cfg.name === 'momentum') return { lr };
  return { lr, bias_correction1: 1 - cfg.beta1 ** t, bias_correction2: 1 - cfg.beta2 ** t };
}

/** Emits one parameter's update; returns the new parameter and new state values, in STATE_SLOTS order. */
export function emitUpdate(t: Tape, cfg: OptimizerConfig, param: Value, grad: Value, state: Value[]): { param: Value; state: Value[] } {
  const c = (x: number) => t.constant([x], []);
  if (cfg.name === 'momentum') {
    // Paddle/PyTorch momentum: v ← μ·v + g;  w ← w − lr·v
    const v = t.op('Add', [t.op('Mul', [state[0], c(cfg.momentum)]), grad]);
    return { param: t.op('Sub', [param, t.op('Mul', ['lr', v])]), state: [v] };
  }
  // Adam (Kingma & Ba, PyTorch's form): m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
  // w ← w − lr · (m / bc1) / (sqrt(v / bc2) + ε)
  const m = t.op('Add', [t.op('Mul', [state[0], c(cfg.beta1)]), t.op('Mul', [grad, c(1 - cfg.beta1)])]);
  const g2 = t.op('Mul', [grad, grad]);
  const v = t.op('Add', [t.op('Mul', [state[1], c(cfg.beta2)]), t.op('Mul', [g2, c(1 - cfg.beta2)])]);
  const mHat = t.op('Div', [m, 'bias_correction1']);
  const denom = t.op('Add', [t.op('Sqrt', [t.op('Div', [v, 'bias_correction2'])]), c(cfg.eps)]);
  const step = t.op('Mul', ['lr', t.op('Div', [mHat, denom])]);
  return { param: t.op('Sub', [param, step]), state: [m, v] };
}
