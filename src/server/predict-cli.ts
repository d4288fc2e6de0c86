// `npm run predict -- FILE.png [FILE…] [--json]`: the tutorial's predict step, with the service's preprocessing and
// model but no server. Prints each file's digit and its ten probabilities as a small bar chart. With --read, each file
// is a whole number, read as POST /read reads it: the number, and each digit's confidence and box.
import { readFile } from 'node:fs/promises';
import { cliArgs } from '../model/cli-args.js';
import { argmax } from '../model/lenet.js';
import { ConfigError, loadConfig } from './config.js';
import { loadModel, ModelLoadError, runEach } from './model.js';
import { decodeForReading } from '../imaging/decode-for-reading.js';
import { PreprocessError, Preprocessor } from '../imaging/index.js';
import { readAgreementFit, readTemperature } from '../model/calibration.js';
import { lineFrames } from '../model/line.js';
import { readNumber } from '../reader/index.js';
import { loadLineModel, type LoadedLineModel } from './line-model.js';
import { readDecodedLine, readPreparedLine } from './line-reading.js';
import { chosenReader } from './reader-choice.js';
import { combine, readForCombining } from '../reader/combined.js';
import { unlimited } from '../reader/work-budget.js';

const USAGE = `usage: npm run predict -- [--read] FILE [FILE…] [--json]
  Reads each picture (PNG, JPEG, WebP, …) the way the service does and prints its digit and ten probabilities.
  --read       each file is a whole number, read as POST /read reads it (READER): the number, each digit's confidence and box
  --json       one JSON array of results (or {file, error}) instead of text
  -h, --help   this text
  The model and where it runs come from the environment, as for the service:
  MODEL_PATH (default models/lenet.onnx), EXECUTION_PROVIDER auto|cuda|cpu (default auto), CPU_THREADS.
  examples: npm run predict -- examples/digit.png examples/photo.jpg
            npm run predict -- --read examples/number.jpg
            npm run -s predict -- --json examples/digit.png | jq '.[0].digit'   (-s: no npm banner on stdout)
  exit status: 0 all read, 1 some file could not be read, 2 bad usage`;

const bar = (p: number, width = 40) => '█'.repeat(Math.round(p * width)).padEnd(width, '·');

async function main(argv: string[]): Promise<number> {
  const parsed = cliArgs(argv, { json: { type: 'boolean', default: false }, read: { type: 'boolean', default: false } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let config;
  let model;
  try {
    config = loadConfig();
    model = await loadModel(config.MODEL_PATH, config.EXECUTION_PROVIDER, config.CPU_THREADS);
  } catch (err) {
    // A bad setting or a missing model is one line, as for a missing picture, not a stack.
    if (!(err instanceof ConfigError || err instanceof ModelLoadError)) throw err;
    console.error(`error: ${err.message}`);
    return 1;
  }
  // No worker threads: one file at a time, nothing to overlap.
  const preprocessor = new Preprocessor({ maxPixels: config.MAX_INPUT_PIXELS, threads: 0, inlineMaxPixels: Infinity, maxQueue: 1 });
  const temperature = readTemperature(config.MODEL_PATH, model.info.sha256);
  const classify = async (tensors: Float32Array[]) => ({ probabilities: await runEach(model, tensors), temperature });
  // --read reads with the reader POST /read uses (READER), the line model when its file is there.
  let reader = chosenReader(config.READER);
  let lineModel: LoadedLineModel | undefined;
  if (parsed.values.read && reader !== 'segmentation') {
    lineModel = await loadLineModel(config.LINE_MODEL_PATH, config.EXECUTION_PROVIDER, config.CPU_THREADS).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      },
    );
    if (!lineModel) reader = 'segmentation';
  }
  const lineTemperature = lineModel ? readTemperature(lineModel.info.path, lineModel.info.sha256) : 1;
  const agreementFit = lineModel && readAgreementFit(lineModel.info.path, lineModel.info.sha256, model.info.sha256);
  const scoreLine = async (l: { data: Float32Array; width: number }) => ({
    scores: { data: await lineModel!.run(l.data, 1, l.width), frames: lineFrames(l.width) },
  });
  let failures = 0;
  const results = [];
  for (const file of parsed.positionals) {
    try {
      if (parsed.values.read) {
        const image = await readFile(file);
        let read: {
          text: string;
          confidence: number;
          digits: Array<{ digit: number; confidence: number; box: { x: number; y: number; width: number; height: number } }>;
        };
        if (reader === 'combined') {
          // Both readers from one decoding, combined as POST /read combines them; a picture the segmentation reader
          // refuses as a whole is refused so.
          const parts = await readForCombining(image, { maxPixels: config.MAX_INPUT_PIXELS, classify, work: unlimited() });
          const segmented = 'reading' in parts.segmented ? parts.segmented.reading : undefined;
          const line =
            'error' in parts.line
              ? parts.line.error
              : await readPreparedLine(parts.line.prepared, parts.scale, scoreLine, { temperature: lineTemperature }).then(
                  ({ reading, chanceOf }) => ({ reading, chanceOf }),
                  (err: unknown) => {
                    if (err instanceof PreprocessError) return err;
                    throw err;
                  },
                );
          const answer = combine(segmented, line instanceof PreprocessError ? undefined : line, agreementFit);
          if (!answer) throw line;
          const { text, digits } = answer.reading;
          read = {
            text,
            confidence: answer.confidence,
            digits: digits.map(({ digit, confidence, box, probabilities }) => ({ digit, confidence, box, probabilities })),
          };
        } else {
          const picture = await decodeForReading(image, config.MAX_INPUT_PIXELS);
          if (reader === 'segmentation') {
            const { text, confidence, digits } = await readNumber(picture, { classify });
            read = { text, confidence, digits: digits.map(({ pixels: _, ...d }) => d) };
          } else {
            read = (await readDecodedLine(picture, scoreLine, { temperature: lineTemperature })).reading;
          }
        }
        const { text, confidence, digits } = read;
        results.push({ file, text, confidence, digits, reader });
        if (!parsed.values.json) {
          console.log(`${file}: ${text} (${(100 * confidence).toFixed(1)}%)`);
          for (const { digit, confidence: c, box } of digits) {
            console.log(`  ${digit} ${(100 * c).toFixed(1).padStart(5)}%  at x ${box.x}, y ${box.y}, ${box.width}×${box.height}`);
          }
        }
        continue;
      }
      const { tensor } = await preprocessor.run(await readFile(file));
      const probabilities = Array.from(await model.run(tensor, 1));
      const digit = argmax(probabilities);
      results.push({ file, digit, confidence: probabilities[digit], probabilities });
      if (!parsed.values.json) {
        console.log(`${file}: ${digit} (${(100 * probabilities[digit]).toFixed(1)}%)`);
        probabilities.forEach((p, d) => console.log(`  ${d} ${bar(p)} ${(100 * p).toFixed(1).padStart(5)}%${d === digit ? '  ◀' : ''}`));
      }
    } catch (err) {
      failures++;
      const message = err instanceof PreprocessError ? `${err.code}: ${err.message}` : (err as Error).message;
      results.push({ file, error: message });
      if (!parsed.values.json) console.error(`${file}: ${message}`);
    }
  }
  if (parsed.values.json) console.log(JSON.stringify(results, null, 2));
  await model.release();
  await lineModel?.release();
  return failures ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
