// `npm run bench:train`: seconds per epoch and images/s of the ONNX Runtime trainer at batch 64 (default recipe) and
// batch 10 (paddle recipe), on the full 60k training set. Where Debian's python3-torch is installed, the same LeNet,
// optimizer and batch size in PyTorch (2 threads) is measured in the same run as the baseline, and ratios are printed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../src/train/mnist.js';
import { RECIPES, type Recipe } from '../src/train/recipes.js';
import { train } from '../src/train/trainer.js';

const epochs = Number(process.env.BENCH_EPOCHS ?? 1);
const data = loadMnist();
const configs: Array<[string, Recipe]> = [
  ['batch 64 (default: relu, adam)', { ...RECIPES.default, epochs }],
  ['batch 10 (paddle: sigmoid, momentum)', { ...RECIPES.paddle, epochs }],
];

function torchBaseline(recipe: Recipe): number | undefined {
  const script = fileURLToPath(new URL('./bench-train-torch.py', import.meta.url));
  // Debian's python3-torch lives under the system python, which a pyenv shim on PATH may hide.
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, [script, recipe.name, String(recipe.batchSize)], { encoding: 'utf8' });
    if (run.status === 0) return Number(run.stdout.trim().split('\n').pop());
  }
  return undefined;
}

console.log(`ONNX Runtime trainer, ${epochs} epoch(s) of ${data.train.count} images, CPU\n`);
const rows: string[] = [];
for (const [label, recipe] of configs) {
  const result = await train({ recipe, data, device: 'cpu' });
  if (result.status !== 'done') throw new Error('interrupted');
  const seconds = result.history.reduce((s, r) => s + r.seconds, 0) / result.history.length;
  const torch = torchBaseline(recipe);
  const ratio = torch ? `${(torch / seconds).toFixed(2)}× (PyTorch ${torch.toFixed(2)} s/epoch)` : 'no PyTorch baseline here (python3-torch not installed)';
  rows.push(`${label.padEnd(38)} ${seconds.toFixed(2).padStart(6)} s/epoch  ${Math.round(data.train.count / seconds).toString().padStart(6)} img/s  test acc ${(100 * result.final.accuracy).toFixed(2)}%  speed-up vs PyTorch: ${ratio}`);
  console.log(rows.at(-1));
}
