// `npm run bench:train`: training speed of the ONNX Runtime trainer at batch 64 (default recipe) and batch 10 (paddle
// recipe), in seconds per 60k-image epoch, against the same LeNet, optimizer and batch size in PyTorch (2 threads)
// where Debian's python3-torch is installed.
// This machine's speed drifts by tens of percent from one minute to the next, so the two are measured in alternating
// blocks (BENCH_ROUNDS rounds of BENCH_IMAGES images each, order flipped every round) and the ratio is the median of
// the per-round ratios: each compares two blocks run seconds apart.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../src/train/mnist.js';
import { RECIPES, type Recipe } from '../src/train/recipes.js';
import { defaultThreads } from '../src/train/step-runner.js';
import { train } from '../src/train/trainer.js';
import { alternate, median } from './bench/rounds.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const images = Number(process.env.BENCH_IMAGES ?? 12_800);
const EPOCH = 60_000;
const data = loadMnist();
const configs: Array<[string, Recipe]> = [
  ['batch 64 (plain: relu, adam)', { ...RECIPES.plain, epochs: 1 }],
  ['batch 10 (paddle: sigmoid, momentum)', { ...RECIPES.paddle, epochs: 1 }],
];

/** A PyTorch worker that trains on N images per request and answers with the seconds it took. */
async function startTorch(recipe: Recipe): Promise<(((n: number) => Promise<number>) & { stop(): void }) | undefined> {
  const script = fileURLToPath(new URL('./bench-train-torch.py', import.meta.url));
  // Debian's python3-torch lives under the system python, which a pyenv shim on PATH may hide.
  for (const python of ['/usr/bin/python3', 'python3']) {
    const child: ChildProcessWithoutNullStreams = spawn(python, [script, recipe.name, String(recipe.batchSize)]);
    child.on('error', () => {});
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done || first.value !== 'ready') {
      child.kill();
      continue;
    }
    const run = async (n: number) => {
      child.stdin.write(`${n}\n`);
      const answer = await lines.next();
      if (answer.done) throw new Error('the PyTorch baseline exited');
      return Number(answer.value);
    };
    return Object.assign(run, { stop: () => child.kill() });
  }
  return undefined;
}

async function ours(recipe: Recipe, trainLimit = images): Promise<number> {
  // The threads `npm run train` would use here (the default): as many as the recipe has shards, up to the cores.
  const result = await train({ recipe, data, device: 'cpu', trainLimit });
  if (result.status !== 'done') throw new Error('interrupted');
  return result.history[0].seconds;
}

const perEpoch = (seconds: number) => (seconds * EPOCH) / images;

console.log(`ONNX Runtime trainer vs PyTorch, CPU: ${rounds} alternating rounds of ${images} images each`);
for (const [label, recipe] of configs) {
  console.log(`  ${label}: ours on ${defaultThreads(recipe)} thread(s) (${recipe.shards} shard(s)), PyTorch on 2`);
}
console.log();
for (const [label, recipe] of configs) {
  const torch = await startTorch(recipe);
  await ours(recipe, 20 * recipe.batchSize); // warm-up, as the PyTorch worker warms up before it says ready
  const times = await alternate(
    rounds,
    () => ours(recipe),
    torch && (() => torch(images)),
    (a, b, round) => {
      const vs = b === undefined ? '' : `, PyTorch ${perEpoch(b).toFixed(2)} s/epoch, ${(b / a).toFixed(2)}×`;
      console.log(`  ${label}, round ${round + 1}: ours ${perEpoch(a).toFixed(2)} s/epoch${vs}`);
    },
  );
  torch?.stop();
  const s = perEpoch(median(times.ours));
  const ratios = times.baseline.map((b, i) => b / times.ours[i]);
  const vs = torch
    ? `speed-up vs PyTorch: ${median(ratios).toFixed(2)}× (median of rounds; PyTorch ${perEpoch(median(times.baseline)).toFixed(2)} s/epoch)`
    : 'no PyTorch baseline here (python3-torch not installed)';
  console.log(
    `${label.padEnd(38)} ${s.toFixed(2).padStart(6)} s/epoch  ${Math.round(EPOCH / s)
      .toString()
      .padStart(6)} img/s  ${vs}\n`,
  );
}
