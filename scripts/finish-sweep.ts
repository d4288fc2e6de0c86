// `tsx scripts/finish-sweep.ts base|finish|test …`: does a "clean finish" help, the last epochs of the cosine schedule
// trained with less distortion? The shared first part is trained once and checkpointed; each finish resumes from that
// same state with the recipe's schedule (same total steps, same batches, same seeds) but its own augmentation share and
// non-digit share, and is read on the held-out training images only. `test` reads one chosen finish on the test set.
//   base                          train the recipe's first FINISH_AT epochs (default: its epochs − 3), checkpoint them
//   finish NAME SHARE NOT_DIGITS  the rest of the epochs from that checkpoint, with augment.share and notDigits as given
//                                 (the recipe's own values are the control); writes NAME-sSEED.onnx
//   test NAME                     NAME-sSEED.onnx on the MNIST test set: only for the finish chosen on the held-out digits
// FINISH_RECIPE (default: default), FINISH_SEED (default: the recipe's), FINISH_DIR (default: checkpoints/finish-sweep);
// the checkpoint and the models are named with the seed, so seeds do not overwrite each other.
// FINISH_FOLD=k (0 … FINISH_FOLDS − 1, default 5 folds): hold out the k-th contiguous block of the training file instead
// of its last 5,000 images, and train on the rest. A block holds writers the rest lacks (the file keeps each writer's
// digits together: docs/performance.md), so the folds together read every training digit as an unseen writer's.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildInferenceModel } from '../src/model/inference-graph.js';
import { openSession } from '../src/model/session.js';
import { loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint.js';
import { evaluate } from '../src/train/evaluate.js';
import { PIXELS } from '../src/model/input-contract.js';
import { loadMnist, type Split } from '../src/train/mnist.js';
import { RECIPES, type Recipe, type RecipeName } from '../src/train/recipes.js';
import { train, type TrainEvent } from '../src/train/trainer.js';

const named = RECIPES[(process.env.FINISH_RECIPE ?? 'default') as RecipeName];
const fold = process.env.FINISH_FOLD === undefined ? undefined : Number(process.env.FINISH_FOLD);
const folds = Number(process.env.FINISH_FOLDS ?? 5);
if (fold !== undefined && !(Number.isSafeInteger(fold) && fold >= 0 && fold < folds))
  throw new Error(`FINISH_FOLD must be 0 … ${folds - 1}`);
const data = loadMnist();
const blockSize = Math.floor(data.train.count / folds);
const base: Recipe = {
  ...named,
  seed: Number(process.env.FINISH_SEED ?? named.seed),
  ...(fold !== undefined && { trainImages: data.train.count - blockSize }),
};
if (!Number.isSafeInteger(base.seed)) throw new Error(`FINISH_SEED must be an integer, not ${process.env.FINISH_SEED}`);
if (fold !== undefined) data.train = blockLast(data.train, fold * blockSize, blockSize);
const dir = process.env.FINISH_DIR ?? 'checkpoints/finish-sweep';
const at = Number(process.env.FINISH_AT ?? base.epochs - 3);
const tag = `s${base.seed}${fold === undefined ? '' : `-fold${fold}of${folds}`}`;
const checkpointFile = path.join(dir, `${base.name}-${tag}-${at}.ckpt.json`);
const modelFile = (name: string) => path.join(dir, `${name}-${tag}.onnx`);
const [mode, name, share, notDigits] = process.argv.slice(2);

/** The split with images [start, start + size) moved to its end, the rest kept in order before them. */
function blockLast(split: Split, start: number, size: number): Split {
  const order = [...Array(split.count).keys()].filter((i) => i < start || i >= start + size);
  for (let i = start; i < start + size; i++) order.push(i);
  const images = new Uint8Array(split.images.length);
  const labels = new Uint8Array(split.count);
  order.forEach((from, to) => {
    images.set(split.images.subarray(from * PIXELS, (from + 1) * PIXELS), to * PIXELS);
    labels[to] = split.labels[from];
  });
  return { images, labels, count: split.count };
}
mkdirSync(dir, { recursive: true });

// Held-out figures only: the test set's, which the trainer also measures each epoch, are not shown while choosing.
const heldOutLine = (e: TrainEvent) => {
  if (e.type !== 'epoch') return;
  const r = e.record;
  const count = data.train.count - (base.trainImages ?? data.train.count);
  const right = Math.round(r.heldOutAccuracy! * count);
  console.log(
    `epoch ${r.epoch}/${e.epochs}: held out ${right} of ${count} right, ${(100 * r.heldOutAccuracy!).toFixed(2)} % loss ${r.heldOutLoss!.toFixed(5)} (${r.seconds.toFixed(0)} s)`,
  );
};

if (mode === 'base') {
  const stop = new AbortController();
  const result = await train({
    recipe: base,
    data,
    device: 'cpu',
    signal: stop.signal,
    onEvent(e) {
      heldOutLine(e);
      if (e.type === 'epoch' && e.record.epoch === at) stop.abort();
    },
  });
  if (result.status !== 'interrupted') throw new Error('the run ended before the finish began');
  await saveCheckpoint(checkpointFile, result.checkpoint);
  console.log(`checkpoint after epoch ${at}: ${checkpointFile}`);
} else if (mode === 'finish' && name && share !== undefined && notDigits !== undefined) {
  const recipe: Recipe = { ...base, augment: base.augment && { ...base.augment, share: Number(share) }, notDigits: Number(notDigits) };
  console.log(
    `${name}, seed ${recipe.seed}: epochs ${at + 1}–${recipe.epochs} with augment.share ${recipe.augment?.share}, notDigits ${recipe.notDigits}`,
  );
  const result = await train({ recipe, data, device: 'cpu', resume: loadCheckpoint(checkpointFile), onEvent: heldOutLine });
  if (result.status !== 'done') throw new Error('interrupted');
  writeFileSync(modelFile(name), buildInferenceModel(recipe.arch, result.params, {}));
} else if (mode === 'test' && name) {
  const { session } = await openSession(modelFile(name), 'cpu');
  const e = await evaluate(session, data.test);
  console.log(`${name} on the MNIST test set: ${(100 * e.accuracy).toFixed(2)} % loss ${e.loss.toFixed(5)}`);
} else {
  console.error('usage: tsx scripts/finish-sweep.ts base | finish NAME SHARE NOT_DIGITS | test NAME');
  process.exit(2);
}
