// `npm run calibrate -- models/lenet.onnx`: fits the model's softmax temperature on held-out training digits (the last
// 5,000 of MNIST's training set by default) and records it in the model card next to the model, atomically. POST /read
// reports confidences at that temperature. Run it again after every retraining: the card's temperature applies only to
// the model whose sha256 it names.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { cliArgs } from '../model/cli-args.js';
import * as ort from 'onnxruntime-node';
import { agreementDigitModel, ece, fitTemperature, nll, readTemperature, recordCalibration } from '../model/calibration.js';
import { batchShape, CLASSES, INPUT_NAME, PIXELS, PROBABILITIES } from '../model/input-contract.js';
import { openSession } from '../model/session.js';
import { loadMnist } from './mnist.js';

const USAGE = `usage: npm run calibrate -- MODEL.onnx [--count 5000] [--data DIR]
  Fits the model's softmax temperature on the last COUNT MNIST training digits and records it in the model card.
  example: npm run calibrate -- models/lenet.onnx`;

/** The line model beside this one (the served pair) fitted its agreement curve (src/reader/agreement.ts) on this
 * model's confidences: another model, or this one at another temperature, leaves that curve wrong, so say how to refit. */
function staleAgreementNote(modelPath: string, sha256: string, temperatureChanged: boolean): void {
  const line = path.join(path.dirname(modelPath), 'line.onnx');
  const fittedWith = agreementDigitModel(line);
  if (fittedWith === undefined || (fittedWith === sha256 && !temperatureChanged)) return;
  const what =
    fittedWith === sha256
      ? "was fitted with this model's confidences at its old temperature, and /read still applies it"
      : `was fitted with another digit model (${fittedWith.slice(0, 12)}…), so /read's combined reader treats the readers as independent (\`/health/ready\` says agreement: null)`;
  console.warn(
    `note: ${line}'s agreement curve ${what}; refit it: npx tsx scripts/compare-readers.ts --role calibration --line ${line} --digit ${modelPath} --record`,
  );
}

async function main(argv: string[]): Promise<number> {
  const parsed = cliArgs(argv, { count: { type: 'string', default: '5000' }, data: { type: 'string' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const [modelPath] = parsed.positionals;
  const count = Number(parsed.values.count);
  if (!modelPath || parsed.positionals.length > 1 || !Number.isInteger(count) || count < 100) {
    console.error(USAGE);
    return 2;
  }
  const { train } = loadMnist(parsed.values.data);
  const from = train.count - Math.min(count, train.count);
  const n = train.count - from;
  // A missing or unreadable model is one line, as in the other tools, not ONNX Runtime's stack.
  if (!existsSync(modelPath)) {
    console.error(`error: ${modelPath}: no such file (\`npm run train -- --out ${modelPath}\` makes one)`);
    return 1;
  }
  let session;
  try {
    ({ session } = await openSession(modelPath, 'cpu', { threads: 1 }));
  } catch (err) {
    console.error(`error: ${modelPath}: cannot load as an ONNX model (${(err as Error).message.split('\n')[0]})`);
    return 1;
  }
  const probabilities = new Float32Array(n * CLASSES);
  for (let at = 0; at < n; at += 500) {
    const size = Math.min(500, n - at);
    const images = new Float32Array(size * PIXELS);
    for (let i = 0; i < images.length; i++) images[i] = train.images[(from + at) * PIXELS + i] / 255;
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', images, batchShape(size)) }, [PROBABILITIES]);
    probabilities.set(out[PROBABILITIES].data as Float32Array, at * CLASSES);
  }
  await session.release();
  const labels = train.labels.subarray(from);
  const temperature = fitTemperature(probabilities, labels);
  const sha256 = createHash('sha256')
    .update(await readFile(modelPath))
    .digest('hex');
  const calibration = {
    temperature: +temperature.toFixed(4),
    sha256,
    fittedOn: `mnist train[${from}:${train.count}]`,
    nllBefore: +nll(probabilities, labels, 1).toFixed(5),
    nllAfter: +nll(probabilities, labels, temperature).toFixed(5),
    eceBefore: +ece(probabilities, labels, 1).toFixed(5),
    eceAfter: +ece(probabilities, labels, temperature).toFixed(5),
  };
  const before = readTemperature(modelPath, sha256);
  const card = await recordCalibration(modelPath, calibration);
  console.log(
    `temperature ${calibration.temperature} on ${n} training digits [${from}:${train.count}]: ` +
      `NLL ${calibration.nllBefore} → ${calibration.nllAfter}, ` +
      `ECE ${calibration.eceBefore} → ${calibration.eceAfter}; recorded in ${card}`,
  );
  staleAgreementNote(modelPath, sha256, before !== calibration.temperature);
  const trained = (JSON.parse(await readFile(card, 'utf8')) as { trainImages?: number }).trainImages;
  if (trained !== undefined && trained > from) {
    console.warn(
      `warning: the model was trained on the first ${trained} training digits, these ones included, so it is surer of them than of new ` +
        `writing and the temperature is too low; train with --train-limit ${from} to hold them out`,
    );
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
