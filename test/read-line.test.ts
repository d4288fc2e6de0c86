// POST /read with the line model (#36), over HTTP (app.inject) with the committed models: the answer's shape and
// boxes, ?length, the reader named in /health/ready, a service without a line model file, predict --read, and
// accuracy floors for both readers on a fixed CI-sized subset of the held-out report composer (src/synth/heldout:
// MNIST test digits, held-out fonts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { readAgreementFit } from '../src/model/calibration.js';
import { agreementConfidence } from '../src/reader/agreement.js';
import { segmentedChanceOf } from '../src/reader/combined.js';
import { lineChance, prepareLine } from '../src/reader/line-read.js';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { buildApp } from '../src/server/app.js';
import { lineModelSummary } from '../src/server/plugins/line-model.js';
import { loadConfig } from '../src/server/config.js';
import { HELD_OUT_CI_COUNT, HELD_OUT_SETS, heldOutSet, type HeldOutSample } from '../src/synth/heldout/index.js';
import { compose, mnistGlyph, paperPng, seeded } from '../src/synth/numbers.js';
import { loadMnist } from '../src/train/mnist.js';
import { runCli } from './helpers/cli.js';
import { modelDir, replaceModel } from './helpers/models.js';
import { assertMatchesContract } from './helpers/openapi.js';

const { test: mnist } = loadMnist();
let app: FastifyInstance;

before(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: 'line' }), { logger: false });
  await app.ready();
});
after(() => app.close());

const post = (target: FastifyInstance, body: Buffer, type = 'image/png', query = '') =>
  target.inject({ method: 'POST', url: `/read${query}`, headers: { 'content-type': type }, payload: body });

/** A five-digit number on paper, with the digits' true boxes. */
const zip = (indices: number[], seed: number) =>
  compose(
    indices.map((i) => mnistGlyph(mnist, i)),
    48,
    () => 0.5,
    seeded(seed),
    20,
  );

describe('POST /read with the line model', () => {
  it('answers the documented shape: the text, its posterior, each digit with probabilities and a box on its ink', async () => {
    const number = zip([3, 2, 1, 18, 4], 94110);
    const res = await post(app, await paperPng(number), 'image/png', '?debug=1');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assertMatchesContract('/read', 'post', 200, body);
    assert.equal(body.reader, 'line');
    assert.equal(body.model.name, 'line');
    assert.match(body.line, /^data:image\/png;base64,/);
    assert.equal(body.text, number.text);
    assert.equal(body.digits.length, 5);
    body.digits.forEach(
      (
        d: { digit: number; box: { x: number; y: number; width: number; height: number }; probabilities: number[]; confidence: number },
        i: number,
      ) => {
        assert.equal(d.confidence, d.probabilities[d.digit]);
        assert.ok(Math.abs(d.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6);
        // The box's centre lies inside the digit's true box.
        const truth = number.boxes[i];
        const [cx, cy] = [d.box.x + d.box.width / 2, d.box.y + d.box.height / 2];
        assert.ok(
          cx >= truth.x && cx <= truth.x + truth.width && cy >= truth.y && cy <= truth.y + truth.height,
          `${JSON.stringify(d.box)} vs ${JSON.stringify(truth)}`,
        );
      },
    );
  });

  it('?length=N reads exactly N digits, and knowing the length never lowers the confidence of the same text', async () => {
    const number = zip([7, 0, 1, 2, 9, 5, 6], 7);
    const picture = await paperPng(number);
    const free = (await post(app, picture)).json();
    for (const n of [3, 7, 9]) {
      const res = await post(app, picture, 'image/png', `?length=${n}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.text.length, n);
      assert.equal(body.digits.length, n);
      if (body.text === free.text) assert.ok(body.confidence >= free.confidence - 1e-9);
    }
    assert.equal((await post(app, picture, 'image/png', '?length=0')).statusCode, 400);
  });

  it('says in /health/ready which reader /read uses and which line model', async () => {
    const body = (await app.inject({ method: 'GET', url: '/health/ready' })).json();
    assertMatchesContract('/health/ready', 'get', 200, body);
    assert.equal(body.read.reader, 'line');
    assert.match(body.read.lineModel.sha256, /^[0-9a-f]{64}$/);
    // The committed card's agreement fit is for the committed line and digit models.
    const { agreement } = JSON.parse(readFileSync('models/line.json', 'utf8'));
    assert.deepEqual(body.read.lineModel.agreement, { a: agreement.a, b: agreement.b });
  });

  it("says in /health/ready that agreements are not calibrated where the digit model is not the one the card's fit was made with", async () => {
    const { dir, modelPath, other } = modelDir();
    replaceModel(modelPath, other);
    const elsewhere = await buildApp(
      loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: 'combined', MODEL_PATH: modelPath }),
      {
        logger: false,
      },
    );
    try {
      const body = (await elsewhere.inject({ method: 'GET', url: '/health/ready' })).json();
      assertMatchesContract('/health/ready', 'get', 200, body);
      assert.equal(body.read.lineModel.agreement, null);
    } finally {
      await elsewhere.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a line model file the service starts, reads with the segmentation reader, and says why', async () => {
    const bare = await buildApp(
      loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: 'line', LINE_MODEL_PATH: '/nonexistent/line.onnx' }),
      {
        logger: false,
        model: app.modelSlot.current,
      },
    );
    try {
      const ready = (await bare.inject({ method: 'GET', url: '/health/ready' })).json();
      assertMatchesContract('/health/ready', 'get', 200, ready);
      assert.equal(ready.read.reader, 'segmentation');
      assert.match(ready.read.reason, /no line model at \/nonexistent\/line\.onnx/);
      const res = await post(bare, await paperPng(zip([3, 2, 1, 18, 4], 94110)));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().reader, 'segmentation');
    } finally {
      await bare.close();
    }
  });

  it('npm run predict -- --read reads with the line model as /read does, and says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-read-line-'));
    const file = path.join(dir, 'zip.png');
    writeFileSync(file, await paperPng(zip([3, 2, 1, 18, 4], 94110)));
    const served = (await post(app, readFileSync(file))).json();
    const cli = await runCli('src/server/predict-cli.ts', ['--read', '--json', file], {
      env: { READER: 'line', EXECUTION_PROVIDER: 'cpu' },
    });
    assert.equal(cli.code, 0, cli.stderr);
    const [result] = JSON.parse(cli.stdout);
    assert.equal(result.reader, 'line');
    assert.equal(result.text, served.text);
    assert.ok(Math.abs(result.confidence - served.confidence) < 1e-6);
    assert.deepEqual(
      result.digits.map((d: { box: unknown }) => d.box),
      served.digits.map((d: { box: unknown }) => d.box),
    );
  });

  it('npm run predict -- --read answers as /read does with the combined reader, confidence and all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-read-combined-'));
    const file = path.join(dir, 'zip.png');
    writeFileSync(file, await paperPng(zip([3, 2, 1, 18, 4], 94110)));
    const combined = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: 'combined' }), {
      logger: false,
      model: app.modelSlot.current,
    });
    try {
      const served = (await post(combined, readFileSync(file))).json();
      assert.equal(served.reader, 'combined');
      assert.ok(served.confidence > 0, 'the readers disagree on this picture: it tests nothing of the agreement');
      const cli = await runCli('src/server/predict-cli.ts', ['--read', '--json', file], {
        env: { READER: 'combined', EXECUTION_PROVIDER: 'cpu' },
      });
      assert.equal(cli.code, 0, cli.stderr);
      const [result] = JSON.parse(cli.stdout);
      assert.deepEqual([result.reader, result.text], ['combined', served.text]);
      assert.ok(Math.abs(result.confidence - served.confidence) < 1e-9, `${result.confidence} against ${served.confidence}`);
    } finally {
      await combined.close();
    }
  });

  it('refuses a blank page with 422 no_digit_found', async () => {
    const blank = await paperPng({ ink: new Uint8Array(120 * 40), width: 120, height: 40, text: '', boxes: [] });
    const res = await post(app, blank);
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'no_digit_found');
  });
});

describe('combined where the line model refuses what the segmentation reader read', () => {
  it("a line too long at the model's height: the segmentation reader's reading at confidence 0, not a 422", async () => {
    // 15 digits 48 px tall, 12 heights apart (decoded at 2,048 px wide): ~2,430 columns at the line model's 20 rows, over
    // LINE_MAX_WIDTH (2,048).
    const picture = await paperPng(
      compose(
        Array.from({ length: 15 }, (_, i) => mnistGlyph(mnist, 40 + i)),
        48,
        () => 12,
        seeded(7),
        20,
      ),
    );
    const lineOnly = await post(app, picture);
    assert.equal(lineOnly.statusCode, 422, lineOnly.body);
    assert.equal(lineOnly.json().error.code, 'too_many_digits');
    const built = (READER: 'segmentation' | 'combined') =>
      buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER }), { logger: false, model: app.modelSlot.current });
    const [segmentation, combined] = await Promise.all([built('segmentation'), built('combined')]);
    try {
      const S = await post(segmentation, picture);
      assert.equal(S.statusCode, 200, S.body);
      assert.equal(S.json().text.length, 15);
      const C = await post(combined, picture);
      assert.equal(C.statusCode, 200, C.body);
      assertMatchesContract('/read', 'post', 200, C.json());
      assert.deepEqual([C.json().text, C.json().confidence, C.json().reader], [S.json().text, 0, 'combined']);
      assert.deepEqual(C.json().model, S.json().model);
    } finally {
      await segmentation.close();
      await combined.close();
    }
  });
});

// Floors on the first HELD_OUT_CI_COUNT pictures of each held-out set (the report's own pictures and seed), for the
// line model, the segmentation reader and the shipped combined reader: the committed models read 103, 103 and 111 of
// these 120 (86, 86 and 92.5 %; docs/performance.md has the whole report). The floors sit six to ten points under, so
// that they catch a broken model, decoder or imaging step rather than noise; they were set after the report was read
// and choose nothing.
const FLOORS = { line: 0.72, segmentation: 0.78, combined: 0.84 } as const;

interface ReadAnswer {
  text: string;
  confidence: number;
  digits: Array<{ probabilities: number[] }>;
}

/** The served line model's chance of `text` on the picture's line, scored through the app's own line batcher. */
async function chanceOnLine(target: FastifyInstance, picture: Buffer, text: string): Promise<number> {
  const line = target.lineReader.line!;
  const decoded = await decodeForReading(picture, target.config.MAX_INPUT_PIXELS);
  const { scores } = await line.inference.score(prepareLine(decoded.grey).line);
  return lineChance(scores, { temperature: line.temperature })(text);
}

describe('the committed models on the held-out composer (CI subset)', () => {
  it(`the line reader reads ≥ ${FLOORS.line * 100} %, the segmentation reader ≥ ${FLOORS.segmentation * 100} % and combined ≥ ${FLOORS.combined * 100} % of ${HELD_OUT_SETS.length} × ${HELD_OUT_CI_COUNT} strings right; combined answers as its two readers say`, async () => {
    const samples: HeldOutSample[] = [];
    for (const set of HELD_OUT_SETS) samples.push(...(await heldOutSet(set, HELD_OUT_CI_COUNT, mnist)));
    const built = (READER: 'segmentation' | 'combined') =>
      buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER }), { logger: false, model: app.modelSlot.current });
    const segmentation = await built('segmentation');
    const combined = await built('combined');
    const lineModel = lineModelSummary(combined.lineReader)!;
    const fit = readAgreementFit(combined.config.LINE_MODEL_PATH, lineModel.sha256, combined.modelSlot.current.info.sha256);
    try {
      const right = { line: 0, segmentation: 0, combined: 0 };
      let disagreements = 0;
      for (const s of samples) {
        const answers = await Promise.all([app, segmentation, combined].map((target) => post(target, s.picture, s.type)));
        for (const res of answers) assert.ok(res.statusCode === 200 || res.statusCode === 422, res.body);
        const [L, S, C] = answers.map((res) => (res.statusCode === 200 ? (res.json() as ReadAnswer) : undefined));
        for (const [reader, answer] of [
          ['line', L],
          ['segmentation', S],
          ['combined', C],
        ] as const)
          if (answer?.text === s.text) right[reader]++;
        if (!L) continue;
        // Agreement: the chance that not both readers are wrong, through the agreement fit the line card records for
        // these two models (if any); a disagreement: the string with the larger product of both readers' chances (the
        // served line model's CTC sum over the segmentation reader's string), at confidence 0.
        assert.ok(C, `combined refused what the line model read (${s.text})`);
        if (S?.text === L.text) {
          assert.equal(C.text, L.text);
          const expected = agreementConfidence(L.confidence, S.confidence, fit);
          assert.ok(Math.abs(C.confidence - expected) < 1e-9, `${s.text}: ${C.confidence}, not ${expected}`);
        } else {
          disagreements++;
          let answered = L.text;
          if (S) {
            const lineChanceOfS = await chanceOnLine(combined, s.picture, S.text);
            if (S.confidence * lineChanceOfS > L.confidence * segmentedChanceOf(S, L.text)) answered = S.text;
          }
          assert.deepEqual([C.text, C.confidence], [answered, 0]);
          // Either reader's answer, with its digits, boxes and model, is the contract's /read answer.
          assertMatchesContract('/read', 'post', 200, C);
        }
      }
      assert.ok(disagreements > 0, 'no picture on which the two readers disagree: the combination was not exercised');
      for (const reader of ['line', 'segmentation', 'combined'] as const) {
        assert.ok(right[reader] / samples.length >= FLOORS[reader], `${reader}: ${right[reader]} of ${samples.length}`);
      }
      console.log(`held-out CI subset, strings right: ${JSON.stringify(right)} of ${samples.length}; ${disagreements} disagreements`);
    } finally {
      await segmentation.close();
      await combined.close();
    }
  });
});
