// Reading with the line model outside the pure reader: the decoded picture → its line → the model (POST /read's line
// batcher, or one run for `npm run predict -- --read`) → the reading (src/reader/line-read.ts), with the digits' boxes
// back in the uploaded picture's pixels.
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import type { Decoded } from '../imaging/decode-for-reading.js';
import { LINE_ROWS } from '../model/line.js';
import type { Provider } from '../model/session.js';
import type { LineScores } from '../reader/ctc-decode.js';
import { lineChance, prepareLine, readLineScores, type LineDigit, type LineReading, type PreparedLine } from '../reader/line-read.js';
import type { LineEvidence } from '../reader/combined.js';
import type { LineInput } from './line-inference.js';
import type { ModelSummary } from './model-slot.js';

export interface LineAnswer {
  text: string;
  confidence: number;
  digits: LineDigit[];
  model: ModelSummary;
  executionProvider: Provider;
  /** With ?debug=1: the normalised line the model read, as a PNG data URL. */
  line?: string;
}

/** A line's reading, what scored it, the model's input, and the model's chance of any other string on it. */
export interface LineRead<S> {
  reading: LineReading;
  scored: S;
  line: LineInput;
  chanceOf: (text: string) => number;
}

/** The line in `decoded` scored by `score` and read; boxes in the picture's own pixels. */
export const readDecodedLine = <S extends { scores: LineScores }>(
  decoded: Decoded,
  score: (line: LineInput) => Promise<S>,
  opts: { temperature: number; length?: number },
): Promise<LineRead<S>> => readPreparedLine(prepareLine(decoded.grey), decoded.scale, score, opts);

/** A line prepared from a decoded picture (`scale` picture pixels per decoded pixel), scored by `score` and read. */
export async function readPreparedLine<S extends { scores: LineScores }>(
  prepared: PreparedLine,
  scale: number,
  score: (line: LineInput) => Promise<S>,
  opts: { temperature: number; length?: number },
): Promise<LineRead<S>> {
  const scored = await score(prepared.line);
  const reading = readLineScores(scored.scores, prepared, opts);
  const s = scale;
  const digits = reading.digits.map((d) => ({
    ...d,
    box: {
      x: Math.round(d.box.x * s),
      y: Math.round(d.box.y * s),
      width: Math.max(1, Math.round(d.box.width * s)),
      height: Math.max(1, Math.round(d.box.height * s)),
    },
  }));
  return { reading: { ...reading, digits }, scored, line: prepared.line, chanceOf: lineChance(scored.scores, opts) };
}

/** The line model's reading of a prepared line, through POST /read's line batcher, and its chance of any other string
 * on that line (for the combined reader). */
export async function readWithLineModel(
  app: FastifyInstance,
  prepared: PreparedLine,
  scale: number,
  opts: { length?: number; debug: boolean },
): Promise<LineEvidence<LineAnswer>> {
  const { line } = app.lineReader;
  if (!line) throw new Error('the line model is not loaded'); // the route only calls this when it is
  const {
    reading,
    scored,
    line: input,
    chanceOf,
  } = await readPreparedLine(prepared, scale, (l) => line.inference.score(l), { temperature: line.temperature, length: opts.length });
  const answer: LineAnswer = { ...reading, model: scored.model, executionProvider: scored.executionProvider };
  if (opts.debug) answer.line = `data:image/png;base64,${(await linePng(input)).toString('base64')}`;
  return { reading: answer, chanceOf };
}

/** The model's input (28 rows, floats in [0, 1]) as a greyscale PNG. */
function linePng({ data, width }: LineInput): Promise<Buffer> {
  const bytes = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  return sharp(bytes, { raw: { width, height: LINE_ROWS, channels: 1 } })
    .png()
    .toBuffer();
}
