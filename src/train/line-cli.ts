// `npm run train:line -- [flags]`: trains the line model (LeNet swept along a line, CTC) and writes models/line.onnx
// and its card models/line.json. Ctrl-C writes a checkpoint that --resume continues from.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lineCheckpointPath, loadLineCheckpoint, saveLineCheckpoint } from './line-checkpoint.js';
import { exportLineModel } from './line-export.js';
import { LINE_RECIPES, recipeWidths, type LineRecipe } from './line-recipe.js';
import { trainLine, type LineCheckpoint, type LineEvent } from './line-trainer.js';
import { makeValidation, VALIDATION_SETS } from './line-validation.js';
import { randomStart, warmStartFromLenet } from './lines/warm-start.js';
import { loadMnist } from './mnist.js';

/** The recipes' names, `tiny` marked, as lines of at most 48 characters: the list is LINE_RECIPES', never written twice. */
const recipeList = (() => {
  const lines = [''];
  for (const name of Object.keys(LINE_RECIPES).map((n) => (n === 'tiny' ? 'tiny (for tests)' : n))) {
    const item = lines.at(-1) === '' ? name : ` | ${name}`;
    if (lines.at(-1)!.length + item.length > 48) lines.push(name);
    else lines[lines.length - 1] += item;
  }
  return lines.map((line, i) => (i === lines.length - 1 ? line.padEnd(48) + '[default]' : line + ' |')).join(`\n${' '.repeat(23)}`);
})();

export const LINE_USAGE = `usage: npm run train:line -- [flags]

Trains the line model (models/line.onnx): LeNet's convolutions swept along a line of digits, per-column scores for
ten digits and a blank, trained with CTC on fresh lines made from MNIST train[0:55000] and the training fonts.

  --recipe NAME        ${recipeList}
  --steps N            optimizer steps                                   [recipe's]
  --batch-size N       lines per step                                    [recipe's]
  --lr X               peak learning rate (Adam)                         [recipe's]
  --seed N             seed of the lines and their order                 [recipe's]
  --passes N           passes over each chunk of fresh lines             [recipe's]
  --lenet FILE         LeNet to start from, or a line model to train on  [models/lenet.onnx]
  --no-warm-start      start from random weights instead
  --out FILE           where to write the model (its card beside it)    [models/line.onnx]
  --record-every N     steps between loss/validation records             [2500]
  --validation N       validation pictures per set (0: none)             [200]
  --data-workers N     threads making training lines (same lines)       [2]
  --mnist DIR          IDX files to read instead of the embedded MNIST
  --resume             continue from the checkpoint beside --out (Ctrl-C writes one)
  -h, --help           this text`;

const POSITIVE = (name: string, v: string | undefined, integer = true): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return n;
};

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      recipe: { type: 'string' },
      steps: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      passes: { type: 'string' },
      lenet: { type: 'string' },
      'no-warm-start': { type: 'boolean' },
      out: { type: 'string' },
      'record-every': { type: 'string' },
      validation: { type: 'string' },
      mnist: { type: 'string' },
      'data-workers': { type: 'string' },
      resume: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const name = values.recipe ?? 'default';
  if (!(name in LINE_RECIPES)) throw new Error(`--recipe must be one of ${Object.keys(LINE_RECIPES).join(', ')}, got ${name}`);
  const base = LINE_RECIPES[name as keyof typeof LINE_RECIPES];
  const seed = values.seed === undefined ? base.seed : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
  const validation = values.validation === undefined ? 200 : Number(values.validation);
  if (!Number.isInteger(validation) || validation < 0)
    throw new Error(`--validation must be a non-negative integer, got ${values.validation}`);
  const recipe: LineRecipe = {
    ...base,
    steps: POSITIVE('steps', values.steps) ?? base.steps,
    batchSize: POSITIVE('batch-size', values['batch-size']) ?? base.batchSize,
    lr: POSITIVE('lr', values.lr, false) ?? base.lr,
    passes: POSITIVE('passes', values.passes) ?? base.passes,
    seed,
    warmStart: values['no-warm-start'] ? false : base.warmStart,
  };
  return {
    help: values.help ?? false,
    recipe,
    lenet: values.lenet ?? 'models/lenet.onnx',
    out: values.out ?? 'models/line.onnx',
    recordEvery: POSITIVE('record-every', values['record-every']) ?? 2500,
    validation,
    mnist: values.mnist,
    dataWorkers: POSITIVE('data-workers', values['data-workers']) ?? 2,
    resume: values.resume ?? false,
  };
}

function reporter(out: NodeJS.WriteStream): (e: LineEvent) => void {
  let lastLine = 0;
  return (e) => {
    if (e.type === 'start') {
      out.write(
        `training the line model: ${e.steps} steps${e.resumedAt ? `, resuming after step ${e.resumedAt}` : ''} (${e.fonts} training fonts)\n`,
      );
    } else if (e.type === 'step') {
      const now = performance.now();
      if (now - lastLine < (out.isTTY ? 500 : 15000) && e.step !== e.steps) return;
      lastLine = now;
      const eta = ((e.steps - e.step) * e.seconds) / e.step;
      const text = `step ${e.step}/${e.steps} | loss ${e.loss.toFixed(3)} | ${Math.round(e.linesPerSecond)} lines/s | ${Math.round(e.seconds)} s, ETA ${Math.round(eta)} s`;
      out.write(out.isTTY ? `\r${text}\x1b[K` : `${text}\n`);
    } else {
      const r = e.record;
      const v = r.validation
        ? ' | validation ' +
          Object.entries(r.validation)
            .map(([k, x]) => `${k} ${(100 * x).toFixed(1)}%`)
            .join(', ')
        : '';
      out.write(
        `${out.isTTY ? '\n' : ''}record at step ${r.step}: loss ${r.loss.toFixed(3)}, ${r.lines} lines, ${Math.round(r.linesPerSecond)} lines/s${v}\n`,
      );
    }
  };
}

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parse(argv);
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${LINE_USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(LINE_USAGE);
    return 0;
  }
  const out = path.resolve(flags.out);
  mkdirSync(path.dirname(out), { recursive: true });
  const checkpointFile = lineCheckpointPath(out);

  let ckpt: LineCheckpoint;
  if (flags.resume) {
    if (!existsSync(checkpointFile)) {
      console.error(`error: --resume: no checkpoint at ${checkpointFile} (Ctrl-C during training writes one)`);
      return 2;
    }
    ckpt = loadLineCheckpoint(checkpointFile);
  } else {
    let start;
    try {
      const widths = recipeWidths(flags.recipe);
      start = flags.recipe.warmStart ? warmStartFromLenet(flags.lenet, widths, flags.recipe.seed) : randomStart(flags.recipe.seed, widths);
    } catch (err) {
      console.error(`error: ${(err as Error).message}`);
      return 2;
    }
    ckpt = {
      recipe: flags.recipe,
      step: 0,
      params: start.params,
      state: new Map(),
      history: [],
      lossCurve: [],
      seconds: 0,
      lines: 0,
      warmStart: start.from,
    };
  }

  const validationSpec = { perSet: flags.validation, seed: 3600 };
  let validation;
  if (flags.validation > 0) {
    process.stderr.write(`making the validation pictures (${VALIDATION_SETS.length} sets × ${flags.validation})…\n`);
    validation = await makeValidation(loadMnist(flags.mnist).train, validationSpec);
  }

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit without a checkpoint)…\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { checkpoint, stopped } = await trainLine(ckpt, {
    mnistDir: flags.mnist,
    dataWorkers: flags.dataWorkers,
    validation,
    recordEvery: flags.recordEvery,
    onEvent: reporter(process.stderr),
    shouldStop: () => interrupted,
    onCheckpoint: (c) => saveLineCheckpoint(checkpointFile, c),
    checkpointSeconds: 120,
  });
  if (stopped) {
    await saveLineCheckpoint(checkpointFile, checkpoint);
    console.error(`stopped at step ${checkpoint.step}: checkpoint written to ${checkpointFile}; --resume continues from it`);
    return 130;
  }
  const last = checkpoint.history.at(-1);
  const command = `npm run train:line -- ${argv.join(' ')}`.trim();
  const card = await exportLineModel(out, {
    checkpoint,
    command,
    validation: last?.validation,
    validationSpec: validation ? validationSpec : undefined,
  });
  rmSync(checkpointFile, { force: true });
  console.log(
    `wrote ${out} (${card.bytes} bytes, sha256 ${card.sha256.slice(0, 12)}…) and its card; ${card.trainingSeconds} s, ${card.linesPerSecond} lines/s`,
  );
  if (card.validation) console.log(`validation (whole string, best path): ${JSON.stringify(card.validation)}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
