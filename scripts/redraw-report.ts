// `npx tsx scripts/redraw-report.ts [MODEL.onnx]`: draws a model's training report picture again after a change to how
// reports are drawn, without training: the epochs and the robustness come from the model card, the confusion matrix
// and the mistakes from the model's own answers on the test set. The card keeps each epoch's mean train loss, not
// the running mean within epochs, so the train loss curve is drawn through those.
import { readFileSync } from 'node:fs';
import { openSession } from '../src/model/session.js';
import { evaluate } from '../src/train/evaluate.js';
import { besideModel, cardPathFor } from '../src/model/model-files.js';
import { loadMnist } from '../src/train/mnist.js';
import { writeReport } from '../src/train/report.js';

const model = process.argv[2] ?? 'models/lenet.onnx';
const card = JSON.parse(readFileSync(cardPathFor(model), 'utf8'));
const { test } = loadMnist();
const { session } = await openSession(model, 'cpu');
const final = await evaluate(session, test);
const stepsPerEpoch = Math.ceil(card.trainImages / card.recipe.batchSize);
const history = card.history as Array<{ epoch: number; trainLoss: number }>;
const epochs = history.length;
const file = besideModel(model, '.report.png');
await writeReport(file, {
  title: `LeNet · recipe ${card.recipe.name} · test accuracy ${(100 * final.accuracy).toFixed(2)}% · ${epochs} epoch${epochs === 1 ? '' : 's'} · seed ${card.seed}`,
  history: card.history,
  lossCurve: history.map((r) => [r.epoch * stepsPerEpoch, r.trainLoss]),
  lossCurveLabel: 'train (mean of each epoch)',
  stepsPerEpoch,
  final,
  test,
  robustness: card.robustness,
});
console.log(`wrote ${file} (test accuracy ${(100 * final.accuracy).toFixed(2)}%, card ${(100 * card.testAccuracy).toFixed(2)}%)`);
