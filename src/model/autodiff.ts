// Reverse-mode autodiff that writes ONNX. Each op emits its forward node(s) and, right beside them, the rule that
// emits its gradient nodes: like micrograd, but every "number" is a named tensor in an ONNX graph. The training step
// is then one graph (forward + loss + backward + update) that onnxruntime-node runs like any model.
// Only standard ai.onnx ops: onnxruntime-node is an inference build without the training/gradient op domains.
import { DataType, makeNode, makeTensor, type AttrValue, type NodeProto, type TensorProto } from './onnx-builder.js';

/** A tensor in the graph, known by its name. */
export type Value = string;

const NCHW_TO_CNHW = { perm: [1, 0, 2, 3] };

export class Tape {
  readonly nodes: NodeProto[] = [];
  readonly constants: TensorProto[] = [];
  private readonly rules: Array<() => void> = [];
  private readonly grads = new Map<Value, Value>();
  private readonly needsGrad = new Set<Value>();
  private readonly constantCache = new Map<string, Value>();
  private count = 0;

  /** Declares a value that gradients flow back to (a parameter, or any input a test wants dX for). */
  requireGrad(x: Value): Value {
    this.needsGrad.add(x);
    return x;
  }

  /** Emits one node; returns its output names. Non-differentiable on its own: ops below add the rules. */
  emit(opType: string, inputs: Value[], attributes: Record<string, AttrValue> = {}, outputs = 1): Value[] {
    const id = this.count++;
    const names = Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${id}${i ? `_${i}` : ''}`);
    this.nodes.push(makeNode(opType, inputs, names, attributes, `${opType}_${id}`));
    return names;
  }

  op(opType: string, inputs: Value[], attributes: Record<string, AttrValue> = {}): Value {
    return this.emit(opType, inputs, attributes)[0];
  }

  /** A constant tensor (an initializer), shared between uses. dims [] makes a scalar. */
  constant(values: number[], dims: number[] = [values.length], dataType: number = DataType.FLOAT): Value {
    const key = JSON.stringify([values, dims, dataType]);
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = `const_${this.constantCache.size}`;
    this.constants.push(makeTensor(name, dims, values, dataType));
    this.constantCache.set(key, name);
    return name;
  }

  int64s(values: number[]): Value {
    return this.constant(values, [values.length], DataType.INT64);
  }

  /** Gives a value a public name (a graph output, say), everywhere it appears. Call it after backward(). */
  rename(from: Value, to: Value): Value {
    for (const node of this.nodes) {
      node.input = node.input!.map((n) => (n === from ? to : n));
      node.output = node.output!.map((n) => (n === from ? to : n));
    }
    return to;
  }

  /** The accumulated gradient of x after backward(), if x is on a path to the seed. */
  gradOf(x: Value): Value | undefined {
    return this.grads.get(x);
  }

  /** Seeds dy for y and runs every rule in reverse order of emission (a valid reverse topological order). */
  backward(y: Value, dy: Value): void {
    this.grads.set(y, dy);
    for (let i = this.rules.length - 1; i >= 0; i--) this.rules[i]();
  }

  private requires(x: Value): boolean {
    return this.needsGrad.has(x);
  }

  private addGrad(x: Value, g: Value): void {
    const existing = this.grads.get(x);
    this.grads.set(x, existing ? this.op('Add', [existing, g]) : g);
  }

  /** Registers y's backward rule if any input needs a gradient; the rule runs only once dy exists. */
  private rule(y: Value, inputs: Value[], backward: (dy: Value) => void): void {
    if (!inputs.some((x) => this.requires(x))) return;
    this.needsGrad.add(y);
    this.rules.push(() => {
      const dy = this.grads.get(y);
      if (dy) backward(dy);
    });
  }

  // ---- differentiable ops, each with its gradient rule ----

  /** 2-D convolution, stride 1, x [N,C,H,W], w [O,C,kH,kW], b [O]; zero `pads` [top, left, bottom, right] around x
   * (LeNet needs none; the line model's per-column layers pad the line's ends to read neighbouring columns). */
  conv(x: Value, w: Value, b: Value, pads?: [number, number, number, number]): Value {
    const padding: Record<string, AttrValue> = pads ? { pads } : {};
    const y = this.op('Conv', [x, w, b], padding);
    this.rule(y, [x, w, b], (dy) => {
      // dX: the transposed convolution of dY with the same kernel; its pads crop the padding back off.
      if (this.requires(x)) this.addGrad(x, this.op('ConvTranspose', [dy, w], padding));
      // dW[o,c] = sum over n of X[n,c] ⋆ dY[n,o]: a convolution with N as the channel axis on both sides, X padded as
      // the forward pass padded it.
      if (this.requires(w)) {
        const xT = this.op('Transpose', [x], NCHW_TO_CNHW);
        const dyT = this.op('Transpose', [dy], NCHW_TO_CNHW);
        this.addGrad(w, this.op('Transpose', [this.op('Conv', [xT, dyT], padding)], NCHW_TO_CNHW));
      }
      if (this.requires(b)) this.addGrad(b, this.op('ReduceSum', [dy, this.int64s([0, 2, 3])], { keepdims: 0 }));
    });
    return y;
  }

  /** 2×2 max-pool, stride 2. The gradient goes to the first maximum of each window, as MaxPool chose it. */
  maxPool2(x: Value): Value {
    const y = this.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    this.rule(y, [x], (dy) => {
      // SpaceToDepth lays each 2×2 window along a new axis of 4: [N,C,H,W] → [N,4C,h,w] → [N,4,C·h,w].
      // Mask of each window's arg-max (Equal against 0..3: ORT's CPU OneHot is slow), times dY, put back in place
      // by DepthToSpace (the exact inverse of SpaceToDepth). Mask × dY, not Where: ORT's CPU Where is the slower.
      const windows = this.op('SpaceToDepth', [x], { blocksize: 2 });
      const byWindow = this.int64s([0, 4, -1, 0]);
      const argmax = this.op('ArgMax', [this.op('Reshape', [windows, byWindow])], { axis: 1, keepdims: 1 });
      const mask = this.op('Equal', [argmax, this.constant([0, 1, 2, 3], [1, 4, 1, 1], DataType.INT64)]);
      const dyByWindow = this.op('Reshape', [dy, this.int64s([0, 1, -1, 0])]);
      const spread = this.op('Mul', [this.op('Cast', [mask], { to: DataType.FLOAT }), dyByWindow]);
      const back = this.op('Reshape', [spread, this.op('Shape', [windows])]);
      this.addGrad(x, this.op('DepthToSpace', [back], { blocksize: 2, mode: 'DCR' }));
    });
    return y;
  }

  sigmoid(x: Value): Value {
    const y = this.op('Sigmoid', [x]);
    this.rule(y, [x], (dy) => {
      const one = this.constant([1], []);
      this.addGrad(x, this.op('Mul', [dy, this.op('Mul', [y, this.op('Sub', [one, y])])]));
    });
    return y;
  }

  relu(x: Value): Value {
    const y = this.op('Relu', [x]);
    // y is 0 or positive, so sign(y) is the 0/1 mask of x > 0: one cheap op where Greater + Where were two slow ones.
    this.rule(y, [x], (dy) => this.addGrad(x, this.op('Mul', [dy, this.op('Sign', [y])])));
    return y;
  }

  /** [N, ...] → [N, rest]. */
  flatten(x: Value): Value {
    const y = this.op('Flatten', [x], { axis: 1 });
    this.rule(y, [x], (dy) => this.addGrad(x, this.op('Reshape', [dy, this.op('Shape', [x])])));
    return y;
  }

  /** Fully connected: y = x·wᵀ + b, with w [out, in] as PyTorch stores it. */
  linear(x: Value, w: Value, b: Value): Value {
    const y = this.op('Gemm', [x, w, b], { transB: 1 });
    this.rule(y, [x, w, b], (dy) => {
      if (this.requires(x)) this.addGrad(x, this.op('MatMul', [dy, w]));
      if (this.requires(w)) this.addGrad(w, this.op('Gemm', [dy, x], { transA: 1 }));
      if (this.requires(b)) this.addGrad(b, this.op('ReduceSum', [dy, this.int64s([0])], { keepdims: 0 }));
    });
    return y;
  }

  /**
   * Mean softmax cross-entropy of logits [N, classes] against target distributions [N, classes]; a scalar. A one-hot
   * row is a label; a uniform row teaches the model to be unsure of an input that is none of the classes (LeCun et al.
   * 1998 trained against segmentation garbage this way); any other row is a soft label, such as a teacher's reading.
   */
  softmaxCrossEntropy(logits: Value, target: Value): Value {
    const logp = this.op('LogSoftmax', [logits], { axis: 1 });
    const picked = this.op('ReduceSum', [this.op('Mul', [target, logp]), this.int64s([1])], { keepdims: 0 });
    const loss = this.op('Neg', [this.op('ReduceMean', [picked], { keepdims: 0 })]);
    this.rule(loss, [logits], (dLoss) => {
      // d(mean CE)/d logits = (softmax − target) / N, for targets whose rows sum to 1
      const n = this.op('Cast', [this.op('Shape', [target], { end: 1 })], { to: DataType.FLOAT });
      const softmaxMinusTarget = this.op('Sub', [this.op('Exp', [logp]), target]);
      this.addGrad(logits, this.op('Mul', [this.op('Div', [softmaxMinusTarget, n]), dLoss]));
    });
    return loss;
  }
}
