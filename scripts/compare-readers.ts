// `tsx scripts/compare-readers.ts --role calibration|validation|heldout`: the line reader (#36) against today's
// segmentation reader, and both combined, on one role of docs/contracts.md's data, read in process as POST /read reads:
//   calibration  validation generator (src/synth/numbers.ts, MNIST train[55000:60000], training fonts), seed 3660:
//                fits the line model's temperature (min Σ −log P_T(true string | line), T = 0.50, 0.55, … 3.00);
//                then the agreement's confidence (src/reader/agreement.ts, with the line model at that T);
//                --record writes both into the line model's card.
//   validation   the same generator, seed 3661 (--seed another, or several: 3670,3671 pools them): the figures
//                docs/performance.md's rules decide on (with fonts-unseen among the sets, the line models' rules' own).
//   --independent reads combined without the agreement fit the line card records.
//   crosscheck   src/synth/crosscheck, a second validation composer written by another hand (MNIST train[55000:60000],
//                the packaged Google fonts), seed 3679 (--seed another, or several): it may choose, as validation does.
//   heldout      src/synth/heldout (MNIST test digits, held-out fonts), seed 361420: report only.
//   --sets fonts-unseen (validation role) types the generator's fonts set in src/synth/font-digits.ts SPARE_FONTS.
// Prints whole strings right per set for S (segmentation), L (line model) and C (as /read's combined reader answers:
// src/reader/combined.ts combine), the read rate at ≤ 0.5 % and ≤ 1 % error over all sets, the same with ?length = the true length, and a
// reliability table, and the fonts sets by font; --json FILE writes every picture's readings. --count (default 200 a set), --sets, --line, --digit.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { LINE_INPUT, LINE_ROWS, LINE_SCORES } from '../src/model/line.js';
import { linesOf, logProbability, withTemperature, type LineScores } from '../src/reader/ctc-decode.js';
import { lineChance, prepareLine, readLineScores, type PreparedLine } from '../src/reader/line-read.js';
import { readRate, reliability, type Judged } from '../src/reader/read-rate.js';
import { loadModel, runEach } from '../src/server/model.js';
import { cardPathFor } from '../src/model/model-files.js';
import { readAgreementFit, readTemperature, recordAgreement, recordCalibration } from '../src/model/calibration.js';
import { agreementConfidence, agreementEvidence, agreementLogLoss, fitAgreement, type AgreementFit } from '../src/reader/agreement.js';
import { decodeForReading, type Decoded } from '../src/imaging/decode-for-reading.js';
import { readNumber } from '../src/reader/index.js';
import { combine } from '../src/reader/combined.js';
import { CROSSCHECK_SETS, crosscheckSet, type CrosscheckSet } from '../src/synth/crosscheck/index.js';
import { checkHeldOutFonts, HELD_OUT_COUNT, HELD_OUT_SEED, HELD_OUT_SETS, heldOutSet } from '../src/synth/heldout/index.js';
import { validationDigits } from '../src/train/line-validation.js';
import { SPARE_FONTS, TRAINING_FONTS } from '../src/synth/font-digits.js';
import { loadMnist } from '../src/train/mnist.js';
import { fontGlyphs, makeSet, type SetName } from '../src/synth/numbers.js';

const SEEDS = { calibration: 3660, validation: 3661, crosscheck: 3679, heldout: HELD_OUT_SEED } as const;
type Role = keyof typeof SEEDS;
const VALIDATION_SETS: SetName[] = ['wide', 'touching', 'photos', 'canvas', 'fonts'];
const MAX_PIXELS = 25_000_000;
/** The validation generator's fonts set typed in SPARE_FONTS (fonts no model trains on): `--sets fonts-unseen`. */
const UNSEEN_FONTS = 'fonts-unseen';

/** Each font's digits; fails naming the fonts not installed (pango would draw them in its fallback). */
async function glyphsOf(families: readonly string[], where: string) {
  const fonts = await Promise.all(families.map((f) => fontGlyphs(f)));
  const missing = families.filter((_, i) => fonts[i] === undefined);
  if (missing.length > 0) throw new Error(`fonts not installed: ${missing.join(', ')} (see ${where} for the Debian packages)`);
  return fonts.filter((g) => g !== undefined);
}

const { values: flags } = parseArgs({
  options: {
    role: { type: 'string', default: 'validation' },
    count: { type: 'string', default: String(HELD_OUT_COUNT) },
    sets: { type: 'string' },
    line: { type: 'string', default: 'models/line.onnx' },
    digit: { type: 'string', default: 'models/lenet.onnx' },
    json: { type: 'string' },
    record: { type: 'boolean', default: false },
    seed: { type: 'string' },
    independent: { type: 'boolean', default: false },
  },
});
const role = flags.role as Role;
if (!(role in SEEDS)) throw new Error(`--role must be one of ${Object.keys(SEEDS).join(', ')}`);
if (flags.seed !== undefined && role !== 'validation' && role !== 'crosscheck')
  throw new Error('--seed is for the validation and crosscheck roles only (their pictures, never to fit)');
// Several seeds (3670,3671) pool their pictures, as the line models' rules decide on.
const seeds = flags.seed === undefined ? [SEEDS[role]] : flags.seed.split(',').map(Number);
if (flags.seed !== undefined && seeds.some((s) => !Number.isSafeInteger(s) || s === SEEDS.calibration || s === SEEDS.heldout))
  throw new Error(`--seed must be integers other than the calibration and held-out seeds, not ${flags.seed}`);
const count = Number(flags.count);
// A line model that trained on the packaged fonts has seen crosscheck's fonts set (docs/contracts.md).
if (role === 'crosscheck') {
  const card = existsSync(cardPathFor(flags.line)) ? JSON.parse(readFileSync(cardPathFor(flags.line), 'utf8')) : {};
  if ((card.recipe?.packagedFonts ?? []).length > 0)
    throw new Error(`${flags.line} trained on the packaged fonts, crosscheck's fonts set: crosscheck cannot judge it (docs/contracts.md)`);
}

interface Sample {
  set: string;
  text: string;
  picture: Buffer;
  /** The font a fonts set typed it in (makeSet says which of the fonts it was handed). */
  font?: string;
}

async function samplesOf(): Promise<Sample[]> {
  const { train, test } = loadMnist();
  const out: Sample[] = [];
  if (role === 'heldout') {
    await checkHeldOutFonts();
    const sets = flags.sets ? (flags.sets.split(',') as (typeof HELD_OUT_SETS)[number][]) : HELD_OUT_SETS;
    for (const set of sets) for (const s of await heldOutSet(set, count, test)) out.push({ set, text: s.text, picture: s.picture });
    return out;
  }
  if (role === 'crosscheck') {
    const sets = flags.sets ? (flags.sets.split(',') as CrosscheckSet[]) : CROSSCHECK_SETS;
    const digits = validationDigits(train); // one split: the composer indexes its digits by label once for it
    for (const seed of seeds)
      for (const set of sets)
        for (const s of await crosscheckSet(set, count, seed, digits))
          out.push({ set, text: s.text, picture: s.picture, ...(s.font === undefined ? {} : { font: s.font }) });
    return out;
  }
  const fonts = await glyphsOf(TRAINING_FONTS, 'docs/contracts.md');
  const sets = flags.sets ? (flags.sets.split(',') as Array<SetName | typeof UNSEEN_FONTS>) : VALIDATION_SETS;
  const unseenFonts = sets.includes(UNSEEN_FONTS) ? await glyphsOf(SPARE_FONTS, 'src/synth/font-digits.ts') : [];
  for (const seed of seeds)
    for (const set of sets) {
      const made =
        set === UNSEEN_FONTS
          ? await makeSet('fonts', count, seed, validationDigits(train), unseenFonts)
          : await makeSet(set, count, seed, validationDigits(train), fonts);
      const typed: readonly string[] = set === UNSEEN_FONTS ? SPARE_FONTS : set === 'fonts' ? TRAINING_FONTS : [];
      for (const s of made) {
        out.push({ set, text: s.number.text, picture: s.picture, ...(s.font === undefined ? {} : { font: typed[s.font] }) });
      }
    }
  return out;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const lineSha = sha256(flags.line);
const session = await ort.InferenceSession.create(flags.line);
const digitModel = await loadModel(flags.digit, 'cpu', 1);
const digitTemperature = readTemperature(flags.digit, digitModel.info.sha256);
const lineTemperature = role === 'calibration' ? 1 : readTemperature(flags.line, lineSha);
// Calibration reads at T = 1 and fits the agreement after the temperature; the other roles read as the service does.
// (--independent: as if the card recorded none, combined's confidence as independent readers'.)
const agreementFit =
  role === 'calibration' || flags.independent ? undefined : readAgreementFit(flags.line, lineSha, digitModel.info.sha256);

async function lineScores(prepared: PreparedLine): Promise<LineScores> {
  const out = await session.run({ [LINE_INPUT]: new ort.Tensor('float32', prepared.line.data, [1, 1, LINE_ROWS, prepared.line.width]) });
  const scores = out[LINE_SCORES];
  return linesOf(scores.data as Float32Array, 0, scores.dims[1], prepared.frames);
}

interface Reading {
  text: string;
  confidence: number;
  /** Each digit's probabilities (for --json). */
  digits?: Array<{ digit: number; probabilities: ArrayLike<number> }>;
}
const NONE: Reading = { text: '', confidence: 0 };
const classify = async (tensors: Float32Array[]) => ({ probabilities: await runEach(digitModel, tensors), temperature: digitTemperature });
const segmentation = (picture: Decoded | undefined, length?: number): Promise<Reading> =>
  picture === undefined ? Promise.resolve(NONE) : readNumber(picture, { length, classify }).catch(() => NONE);

interface Row {
  set: string;
  truth: string;
  font?: string;
  S: Reading;
  L: Reading;
  SN: Reading;
  LN: Reading;
  raw?: LineScores;
  prepared?: PreparedLine;
  /** The line model's chance of any string on this line, without and with the true length (combine weighs the
   * segmentation reader's string with it); left out of --json. */
  chanceOf?: (text: string) => number;
  chanceOfN?: (text: string) => number;
}

/** The line model's reading of a line's scores at a temperature (and a length), or NONE where there is none. */
function lineReading(raw: LineScores | undefined, prepared: PreparedLine | undefined, temperature: number, length?: number): Reading {
  if (!raw || !prepared) return NONE;
  try {
    const r = readLineScores(raw, prepared, { temperature, length });
    return { text: r.text, confidence: r.confidence, digits: r.digits.map(({ digit, probabilities }) => ({ digit, probabilities })) };
  } catch {
    return NONE;
  }
}

const samples = await samplesOf();
const rows: Row[] = [];
const time = { S: 0, L: 0 };
for (const s of samples) {
  const decoded = await decodeForReading(s.picture, MAX_PIXELS).catch(() => undefined);
  let t0 = performance.now();
  const S = await segmentation(decoded);
  const SN = await segmentation(decoded, s.text.length);
  time.S += performance.now() - t0;
  t0 = performance.now();
  let raw: LineScores | undefined;
  let prepared: PreparedLine | undefined;
  try {
    if (!decoded) throw new Error('undecodable');
    prepared = prepareLine(decoded.grey);
    raw = await lineScores(prepared);
  } catch {
    // no ink found: every reading of this picture is empty and wrong
  }
  const [L, LN] = [lineReading(raw, prepared, lineTemperature), lineReading(raw, prepared, lineTemperature, s.text.length)];
  time.L += performance.now() - t0;
  const chances = raw && {
    chanceOf: lineChance(raw, { temperature: lineTemperature }),
    chanceOfN: lineChance(raw, { temperature: lineTemperature, length: s.text.length }),
  };
  rows.push({ set: s.set, truth: s.text, font: s.font, S, L, SN, LN, ...chances, ...(role === 'calibration' ? { raw, prepared } : {}) });
}

type Reader = 'S' | 'L' | 'C';
const judge = (r: Row, reader: Reader, withLength: boolean): Judged => {
  const [s, l] = withLength ? [r.SN, r.LN] : [r.S, r.L];
  if (reader === 'S') return { right: s.text === r.truth, confidence: s.confidence };
  if (reader === 'L') return { right: l.text === r.truth, confidence: l.confidence };
  const chanceOf = withLength ? r.chanceOfN : r.chanceOf;
  const line = l.text === '' || !chanceOf ? undefined : { reading: l, chanceOf };
  const answer = combine(s.text === '' ? undefined : { ...s, digits: s.digits ?? [] }, line, agreementFit);
  return { right: answer?.reading.text === r.truth, confidence: answer?.confidence ?? 0 };
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const READERS: Reader[] = ['S', 'L', 'C'];
const setNames = [...new Set(rows.map((r) => r.set))];

console.log(
  `${role}: seed ${seeds.join(' + ')}, ${count} a set, ${rows.length} pictures; line model ${flags.line} (${lineSha.slice(0, 12)}, T = ${lineTemperature})`,
);
console.log(
  `digit model ${flags.digit} (T = ${digitTemperature}); in-process time a picture after decoding: S ${(time.S / rows.length / 2).toFixed(1)} ms, L ${(time.L / rows.length).toFixed(1)} ms (two reads each)\n`,
);
for (const withLength of [false, true]) {
  console.log(withLength ? '\nwith ?length = the true length' : 'strings right');
  console.log(`| set | ${READERS.join(' | ')} |\n|---|${READERS.map(() => '---|').join('')}`);
  for (const set of [...setNames, 'all']) {
    const of = rows.filter((r) => set === 'all' || r.set === set);
    console.log(`| ${set} | ${READERS.map((k) => pct(of.filter((r) => judge(r, k, withLength).right).length / of.length)).join(' | ')} |`);
  }
  for (const error of [0.005, 0.01]) {
    const rates = READERS.map((k) =>
      readRate(
        rows.map((r) => judge(r, k, withLength)),
        error,
      ),
    );
    console.log(
      `| read rate at ≤ ${error * 100} % error | ${rates.map((r) => `${pct(r.rate)} (≥ ${r.threshold.toPrecision(3)})`).join(' | ')} |`,
    );
  }
}

const fontNames = [...new Set(rows.flatMap((r) => (r.font ? [`${r.set}: ${r.font}`] : [])))];
if (fontNames.length > 0) {
  console.log("\nstrings right by font (the fonts sets; fonts-unseen is in no model's training)");
  console.log(`| font | pictures | ${READERS.join(' | ')} |\n|---|---|${READERS.map(() => '---|').join('')}`);
  for (const name of fontNames) {
    const of = rows.filter((r) => r.font && `${r.set}: ${r.font}` === name);
    console.log(
      `| ${name} | ${of.length} | ${READERS.map((k) => pct(of.filter((r) => judge(r, k, false).right).length / of.length)).join(' | ')} |`,
    );
  }
}

console.log('\nreliability, all sets: pictures in each confidence bin, their mean confidence → the share read right');
console.log(`| confidence | ${READERS.join(' | ')} |\n|---|${READERS.map(() => '---|').join('')}`);
const bins = READERS.map((k) => reliability(rows.map((r) => judge(r, k, false))));
bins[0].forEach((bin, i) => {
  const cells = bins.map((b) => (b[i].count === 0 ? '–' : `${b[i].count}: ${b[i].meanConfidence.toFixed(3)} → ${pct(b[i].accuracy)}`));
  console.log(`| ${bin.lo}–${bin.hi} | ${cells.join(' | ')} |`);
});

if (setNames.includes(UNSEEN_FONTS) && setNames.length > 1) {
  // The figures the line models' rules decide on (docs/performance.md): strings and read rates over the other sets
  // pooled, F = strings right on the unseen fonts.
  const [rest, unseen] = [rows.filter((r) => r.set !== UNSEEN_FONTS), rows.filter((r) => r.set === UNSEEN_FONTS)];
  const pct2 = (x: number) => (100 * x).toFixed(2);
  console.log(`
the line models' rules: strings, R1 and R0.5 over the ${rest.length} pictures of the other sets, F over ${unseen.length} of ${UNSEEN_FONTS}`);
  console.log('| reader | strings | R1 | R0.5 | F |\n|---|---|---|---|---|');
  for (const k of READERS) {
    const judged = rest.map((r) => judge(r, k, false));
    const right = (of: Judged[]) => of.filter((j) => j.right).length / of.length;
    const figures = [
      right(judged),
      readRate(judged, 0.01).rate,
      readRate(judged, 0.005).rate,
      right(unseen.map((r) => judge(r, k, false))),
    ];
    console.log(`| ${k} | ${figures.map(pct2).join(' | ')} |`);
  }
}

if (role === 'validation') {
  // docs/performance.md, "Which reader /read ships" (fixed before any line model result was read).
  const figures = Object.fromEntries(
    READERS.map((k) => {
      const judged = rows.map((r) => judge(r, k, false));
      return [k, { r1: readRate(judged, 0.01).rate, strings: judged.filter((j) => j.right).length / judged.length }];
    }),
  ) as Record<Reader, { r1: number; strings: number }>;
  const eligible = (k: Reader) => figures[k].r1 >= figures.S.r1 + 0.02 && figures[k].strings >= figures.S.strings - 0.01;
  const ships =
    eligible('L') && eligible('C') ? (figures.C.r1 >= figures.L.r1 + 0.02 ? 'C' : 'L') : eligible('L') ? 'L' : eligible('C') ? 'C' : 'S';
  console.log(`\nthe rule: L eligible ${eligible('L')}, C eligible ${eligible('C')} → ships ${ships}`);
}

/** Where both readers read the same string: each such picture's evidence, its two readers' confidences and whether the
 * string is right (`line` is the line model's reading to use: calibration refits it at the fitted temperature). */
const agreementsOf = (line: (r: Row) => Reading) =>
  rows.flatMap((r) => {
    const l = line(r);
    return r.S.text !== '' && r.S.text === l.text ? [{ pL: l.confidence, pS: r.S.confidence, right: l.text === r.truth }] : [];
  });
/** Expected calibration error over reliability bins (README's seven unless `edges` says other). */
const eceOf = (judged: Judged[], edges?: number[]) =>
  reliability(judged, edges).reduce((sum, b) => sum + (b.count / judged.length) * Math.abs(b.accuracy - b.meanConfidence), 0);
const agreementFigures = (agreements: ReturnType<typeof agreementsOf>, fit?: AgreementFit) => {
  const judged = agreements.map(({ pL, pS, right }) => ({ right, confidence: agreementConfidence(pL, pS, fit) }));
  return { logLoss: agreementLogLoss(judged), ece: eceOf(judged) };
};

if (role !== 'calibration') {
  const agreements = agreementsOf((r) => r.L);
  const [independent, fitted] = [agreementFigures(agreements), agreementFit && agreementFigures(agreements, agreementFit)];
  console.log(
    `\nagreements (${agreements.length}, ${pct(agreements.filter((x) => x.right).length / agreements.length)} right): log loss ` +
      `${independent.logLoss.toFixed(4)}, ECE ${independent.ece.toFixed(4)} as independent readers` +
      (fitted
        ? `; ${fitted.logLoss.toFixed(4)}, ${fitted.ece.toFixed(4)} through the card's fit (a ${agreementFit!.a.toFixed(3)}, b ${agreementFit!.b.toFixed(3)}), as C reads`
        : '; the card records no fit for these models'),
  );
}

if (role === 'calibration') {
  const fitted = rows.filter((r) => r.raw && r.prepared);
  const nll = (t: number) =>
    fitted.reduce((s, r) => s - Math.max(-50, logProbability(withTemperature(r.raw!, t), [...r.truth].map(Number))), 0) / fitted.length;
  let best = 1;
  for (let t = 0.5; t <= 3.0001; t += 0.05) if (nll(t) < nll(best)) best = Math.round(t * 100) / 100;
  // Expected calibration error of the read string's confidence, 15 equal bins (unread pictures count as confidence 0).
  const ece = (t: number) =>
    eceOf(
      fitted.map((r) => {
        const read = lineReading(r.raw, r.prepared, t);
        return { right: read.text === r.truth, confidence: read.confidence };
      }),
      Array.from({ length: 16 }, (_, i) => i / 15),
    );
  console.log(
    `\ntemperature: ${best} (mean −log P(true string) ${nll(1).toFixed(4)} → ${nll(best).toFixed(4)}; ECE ${ece(1).toFixed(4)} → ${ece(best).toFixed(4)})`,
  );
  if (flags.record) {
    const file = await recordCalibration(flags.line, {
      temperature: best,
      sha256: lineSha,
      fittedOn: `validation role: src/synth/numbers.ts makeSet, MNIST train[55000:60000], training fonts, seed ${SEEDS.calibration}, ${rows.length} lines`,
      nllBefore: nll(1),
      nllAfter: nll(best),
      eceBefore: ece(1),
      eceAfter: ece(best),
    });
    console.log(`recorded in ${file}`);
  }
  // The agreement's confidence fitted with the line model at its fitted temperature, as the service will read it.
  const agreements = agreementsOf((r) => lineReading(r.raw, r.prepared, best));
  const fit = fitAgreement(agreements.map(({ pL, pS, right }) => ({ evidence: agreementEvidence(pL, pS), right })));
  const [before, after] = [agreementFigures(agreements), agreementFigures(agreements, fit)];
  console.log(
    `agreement: σ(${fit.a.toFixed(3)} + ${fit.b.toFixed(3)}·u) on ${agreements.length} agreements (log loss ${before.logLoss.toFixed(4)} → ` +
      `${after.logLoss.toFixed(4)}; ECE ${before.ece.toFixed(4)} → ${after.ece.toFixed(4)})`,
  );
  if (flags.record) {
    const file = await recordAgreement(flags.line, {
      ...fit,
      lineSha256: lineSha,
      digitSha256: digitModel.info.sha256,
      fittedOn: `validation role: src/synth/numbers.ts makeSet (sets ${setNames.join(', ')}), seed ${SEEDS.calibration}, the line model at T = ${best}`,
      agreements: agreements.length,
      logLossBefore: before.logLoss,
      logLossAfter: after.logLoss,
    });
    console.log(`recorded in ${file}`);
  }
}

// Without each digit's 28×28 pixels (a typed array would be written as an object of 784 keys: 80 KB a picture, past
// V8's longest string at 7,000 pictures); typed arrays as plain arrays.
const forJson = (key: string, value: unknown) =>
  key === 'pixels' ? undefined : ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value;
if (flags.json)
  writeFileSync(
    flags.json,
    JSON.stringify(
      rows.map(({ raw: _raw, prepared: _prepared, chanceOf: _c, chanceOfN: _cN, ...r }) => r),
      forJson,
    ),
  );
await digitModel.release();
await session.release();
