// CTC's loss and gradient (src/train/ctc.ts) against a brute-force sum over every path of classes through the columns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { ctc, ctcBatch, ctcMinFrames } from '../../src/train/ctc.js';

function logSoftmax(logits: number[], T: number, C: number): Float64Array {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    const row = logits.slice(t * C, (t + 1) * C);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    row.forEach((v, k) => (out[t * C + k] = v - lse));
  }
  return out;
}

/** −log Σ over all C^T paths that collapse (merge repeats, drop blanks) to the label of Π y_t(path_t). */
function bruteForceLoss(logits: number[], T: number, C: number, label: number[], blank: number): number {
  const lp = logSoftmax(logits, T, C);
  let p = 0;
  const path = new Array<number>(T).fill(0);
  for (let code = 0; code < C ** T; code++) {
    let rest = code;
    for (let t = 0; t < T; t++) {
      path[t] = rest % C;
      rest = Math.floor(rest / C);
    }
    const collapsed = path.filter((k, t) => k !== blank && (t === 0 || k !== path[t - 1]));
    if (collapsed.length !== label.length || collapsed.some((k, i) => k !== label[i])) continue;
    p += Math.exp(path.reduce((s, k, t) => s + lp[t * C + k], 0));
  }
  return -Math.log(p);
}

function randomLogits(T: number, C: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: T * C }, () => 3 * (rng() - 0.5));
}

const CASES: Array<{ T: number; C: number; blank: number; label: number[] }> = [
  { T: 1, C: 3, blank: 2, label: [0] },
  { T: 3, C: 3, blank: 2, label: [0, 1] },
  { T: 4, C: 3, blank: 2, label: [1, 1] },
  { T: 3, C: 3, blank: 2, label: [1, 1] },
  { T: 5, C: 4, blank: 3, label: [0, 1, 2] },
  { T: 6, C: 4, blank: 3, label: [1, 1, 2] },
  { T: 6, C: 4, blank: 0, label: [2, 2, 2] },
  { T: 6, C: 3, blank: 2, label: [] },
  { T: 4, C: 11, blank: 10, label: [1, 1] },
];

describe('CTC against a brute-force sum over alignments', () => {
  for (const [i, c] of CASES.entries()) {
    it(`T=${c.T}, label [${c.label}], blank ${c.blank}: loss and d loss / d logits`, () => {
      const logits = randomLogits(c.T, c.C, 100 + i);
      const { loss, grad } = ctc(logSoftmax(logits, c.T, c.C), c.T, c.C, c.label, c.blank);
      const expected = bruteForceLoss(logits, c.T, c.C, c.label, c.blank);
      assert.ok(Math.abs(loss - expected) < 1e-9, `loss ${loss} against ${expected}`);
      const eps = 1e-5;
      for (let j = 0; j < logits.length; j++) {
        const plus = logits.slice();
        const minus = logits.slice();
        plus[j] += eps;
        minus[j] -= eps;
        const numeric = (bruteForceLoss(plus, c.T, c.C, c.label, c.blank) - bruteForceLoss(minus, c.T, c.C, c.label, c.blank)) / (2 * eps);
        assert.ok(Math.abs(numeric - grad[j]) < 1e-6, `d/d logit ${j}: ${grad[j]} against ${numeric}`);
      }
    });
  }

  it('a label that cannot fit in the columns (11 needs 3) is an infinite loss with no gradient', () => {
    assert.equal(ctcMinFrames([1, 1]), 3);
    const r = ctc(logSoftmax(randomLogits(2, 3, 7), 2, 3), 2, 3, [1, 1], 2);
    assert.equal(r.loss, Infinity);
    assert.ok(r.grad.every((g) => g === 0));
  });

  it('a batch averages over the samples that fit and skips the rest', () => {
    const T = 3;
    const C = 3;
    const a = logSoftmax(randomLogits(T, C, 1), T, C);
    const b = logSoftmax(randomLogits(T, C, 2), T, C);
    const scores = Float32Array.from([...a, ...b]);
    const batch = ctcBatch(scores, 2, T, C, [[0], [1, 1, 1]], 2);
    const alone = ctc(Float32Array.from(a), T, C, [0], 2);
    assert.equal(batch.skipped, 1);
    assert.ok(Math.abs(batch.loss - alone.loss) < 1e-9);
    for (let j = 0; j < T * C; j++) {
      assert.ok(Math.abs(batch.grad[j] - alone.grad[j]) < 1e-6);
      assert.equal(batch.grad[T * C + j], 0);
    }
  });

  it("padding columns after a sample's own are taught blank: −log p(blank) each, gradient softmax − blank", () => {
    const [T, C, blank, own] = [5, 3, 2, 3];
    const label = [1];
    const logits = randomLogits(T, C, 11);
    const total = (l: number[]) => {
      const lp = logSoftmax(l, T, C);
      return bruteForceLoss(l.slice(0, own * C), own, C, label, blank) - lp[3 * C + blank] - lp[4 * C + blank];
    };
    const batch = ctcBatch(Float32Array.from(logSoftmax(logits, T, C)), 1, T, C, [label], blank, [own]);
    assert.ok(Math.abs(batch.loss - total(logits)) < 1e-5, `${batch.loss} against ${total(logits)}`);
    const eps = 1e-4;
    for (let j = 0; j < logits.length; j++) {
      const plus = logits.slice();
      const minus = logits.slice();
      plus[j] += eps;
      minus[j] -= eps;
      const numeric = (total(plus) - total(minus)) / (2 * eps);
      assert.ok(Math.abs(numeric - batch.grad[j]) < 1e-4, `d/d logit ${j}: ${batch.grad[j]} against ${numeric}`);
    }
  });
});
