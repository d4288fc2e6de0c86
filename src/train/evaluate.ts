// Test-set evaluation of any model with the served input contract (input-contract.ts: image → logits).
import * as ort from 'onnxruntime-node';
import { batchShape, CLASSES, INPUT_NAME, LOGITS } from '../model/input-contract.js';
import { argmax } from '../model/lenet.js';
import { toFloat, type Split } from './mnist.js';

export interface Evaluation {
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  /** Recall of each class: confusion[c][c] / count of c. */
  recall: number[];
  predicted: Uint8Array;
}

export async function evaluate(session: ort.InferenceSession, split: Split, batchSize = 1000): Promise<Evaluation> {
  const confusion = Array.from({ length: CLASSES }, () => new Array<number>(CLASSES).fill(0));
  const predicted = new Uint8Array(split.count);
  let lossSum = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const image = new ort.Tensor('float32', toFloat(split, start, n), batchShape(n));
    const z = (await session.run({ [INPUT_NAME]: image }, [LOGITS]))[LOGITS].data as Float32Array;
    for (let i = 0; i < n; i++) {
      const row = z.subarray(i * CLASSES, (i + 1) * CLASSES);
      const best = argmax(row);
      // cross-entropy = logsumexp(z) − z[label], computed stably
      let sum = 0;
      for (let c = 0; c < CLASSES; c++) sum += Math.exp(row[c] - row[best]);
      const label = split.labels[start + i];
      lossSum += Math.log(sum) + row[best] - row[label];
      predicted[start + i] = best;
      confusion[label][best]++;
    }
  }
  const correct = confusion.reduce((s, row, c) => s + row[c], 0);
  const recall = confusion.map(
    (row, c) =>
      row[c] /
      Math.max(
        1,
        row.reduce((a, b) => a + b, 0),
      ),
  );
  return { accuracy: correct / split.count, loss: lossSum / split.count, confusion, recall, predicted };
}

/** The confusion matrix as aligned text, rows = true digit, columns = predicted. */
export function formatConfusion(confusion: number[][]): string {
  const width = Math.max(4, ...confusion.flat().map((v) => String(v).length + 1));
  const pad = (s: string | number) => String(s).padStart(width);
  const header = `true\\pred${confusion.map((_, c) => pad(c)).join('')}`;
  const rows = confusion.map((row, t) => `${String(t).padStart(9)}${row.map(pad).join('')}`);
  return [header, ...rows].join('\n');
}
