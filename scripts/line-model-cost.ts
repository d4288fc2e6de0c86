// `tsx scripts/line-model-cost.ts OLD.onnx NEW.onnx [--rounds 8]`: what a line model costs ONNX Runtime against
// another, alone (one intra-op thread, as the service runs it), on random lines of the sizes /read batches: each size
// timed in alternating rounds, printed as medians and new ÷ old. A change to the line model's graph is judged here
// before bench:read, whose HTTP load on a shared machine swings more than the model's share of a read.
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { LINE_INPUT, LINE_ROWS } from '../src/model/line.js';
import { median } from './bench/rounds.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '8' } } });
if (positionals.length !== 2) {
  console.error('usage: tsx scripts/line-model-cost.ts OLD.onnx NEW.onnx [--rounds 8]');
  process.exit(2);
}
const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;
const [old, now] = await Promise.all(positionals.map((file) => ort.InferenceSession.create(file, options)));
const rounds = Number(values.rounds);
let seed = 1;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
for (const [n, width] of [
  [1, 150],
  [4, 200],
  [16, 200],
  [64, 200],
]) {
  const line = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * LINE_ROWS * width }, () => (random() < 0.3 ? random() : 0)),
    [n, 1, LINE_ROWS, width],
  );
  const times: Record<'old' | 'new', number[]> = { old: [], new: [] };
  const reps = Math.max(10, Math.round(400 / n));
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
      const session = which === 'old' ? old : now;
      const start = performance.now();
      for (let i = 0; i < reps; i++) await session.run({ [LINE_INPUT]: line });
      times[which].push((performance.now() - start) / reps);
    }
  }
  const [a, b] = [median(times.old), median(times.new)];
  console.log(`N ${n}, W ${width}: old ${a.toFixed(3)} ms, new ${b.toFixed(3)} ms, new ÷ old ${(b / a).toFixed(2)}×`);
}
await Promise.all([old.release(), now.release()]);
