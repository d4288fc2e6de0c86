// `npm run train -- [flags]`: trains LeNet on MNIST and writes models/lenet.onnx, its card and its report picture.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { checkpointPathFor, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { formatConfusion } from './evaluate.js';
import { CudaUnavailableError } from '../model/session.js';
import { besideModel, cardPathFor } from '../model/model-files.js';
import { exportModel } from './export.js';
import { DataError, loadMnist } from './mnist.js';
import { createProgressReporter } from './progress.js';
import { USAGE, parseFlags, recipeFromFlags, type Flags } from './flags.js';
import { writeReport } from './report.js';
import { formatRobustness, robustnessOfParams } from './robustness.js';
import { TeacherError } from './teachers.js';
import { FontMissingError } from './font-digits.js';
import { WarmStartError } from './warm-start.js';
import { DivergedError, train, trainImagesOf } from './trainer.js';

const QUICK_ROBUSTNESS_IMAGES = 200;

async function main(argv: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }

  const out = path.resolve(flags.out);
  mkdirSync(path.dirname(out), { recursive: true });
  const checkpointFile = checkpointPathFor(out);
  let resume;
  if (flags.resume) {
    if (!existsSync(checkpointFile)) {
      console.error(`error: --resume: no checkpoint at ${checkpointFile} (Ctrl-C during training writes one)`);
      return 2;
    }
    resume = loadCheckpoint(checkpointFile);
  }
  let recipe;
  try {
    recipe = resume?.recipe ?? recipeFromFlags(flags);
  } catch (err) {
    if (!(err instanceof TeacherError || err instanceof WarmStartError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }

  let data;
  try {
    data = loadMnist(flags.data);
  } catch (err) {
    if (err instanceof DataError) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const trainImages = trainImagesOf(recipe, data, flags['train-limit']);
  console.error(`recipe ${recipe.name}: ${JSON.stringify({ ...recipe, name: undefined })}`);
  const heldOut = data.train.count - trainImages;
  console.error(
    `data: ${trainImages} training${heldOut ? ` (${heldOut} held out)` : ''} and ${data.test.count} test images from ${data.source}`,
  );

  // First Ctrl-C: finish the current step, write a checkpoint, exit. Second: exit at once.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.error('\ninterrupted: writing a checkpoint (Ctrl-C again to quit without one)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  let result;
  try {
    result = await train({
      recipe,
      data,
      device: flags.device,
      threads: flags.threads,
      trainLimit: flags['train-limit'],
      resume,
      signal: stop.signal,
      onEvent: createProgressReporter(recipe.epochs),
    });
  } catch (err) {
    const known = [DivergedError, TeacherError, CudaUnavailableError, WarmStartError, FontMissingError];
    if (known.some((kind) => err instanceof kind)) {
      console.error(`error: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }

  if (result.status === 'interrupted') {
    await saveCheckpoint(checkpointFile, result.checkpoint);
    console.error(`checkpoint written to ${checkpointFile}\ncontinue with: npm run train -- --resume --out ${flags.out}`);
    return 130;
  }

  // A quick experiment (--train-limit) gets a quick look: the first 200 test digits instead of all 10,000.
  const robustLimit = flags['train-limit'] ? QUICK_ROBUSTNESS_IMAGES : undefined;
  let robustness;
  if (!flags['no-robustness']) {
    console.error(
      `robustness: evaluating on distorted copies of ${robustLimit ?? data.test.count} test digits… (--no-robustness skips it)`,
    );
    robustness = await robustnessOfParams(recipe, result.params, data.test, result.provider, robustLimit);
  }
  const command = ['npm run train --', ...argv.filter((a) => a !== '--resume')].join(' ').trim();
  const card = await exportModel(out, { ...result, recipe, command, trainImages, robustness });
  const reportFile = besideModel(out, '.report.png');
  await writeReport(reportFile, {
    title: `LeNet · recipe ${recipe.name} · test accuracy ${(100 * result.final.accuracy).toFixed(2)}% · ${recipe.epochs} epoch${recipe.epochs === 1 ? '' : 's'} · seed ${recipe.seed}`,
    history: result.history,
    lossCurve: result.lossCurve,
    stepsPerEpoch: Math.ceil(trainImages / recipe.batchSize),
    final: result.final,
    test: data.test,
    robustness,
  });
  if (existsSync(checkpointFile)) rmSync(checkpointFile);

  console.log(`\nconfusion matrix (test set):\n${formatConfusion(result.final.confusion)}`);
  console.log(`per-class recall: ${result.final.recall.map((r, c) => `${c}: ${(100 * r).toFixed(1)}%`).join('  ')}`);
  if (robustness) console.log(`\nrobustness:\n${formatRobustness(robustness)}`);
  console.log(`test accuracy ${(100 * result.final.accuracy).toFixed(2)}%, loss ${result.final.loss.toFixed(4)}`);
  console.log(`wrote ${out} (sha256 ${card.sha256.slice(0, 12)}…), ${cardPathFor(out)}, ${reportFile}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
