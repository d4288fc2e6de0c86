// POST /read over real HTTP semantics (app.inject) with the committed model: whole numbers made from MNIST **test**
// digits and Debian handwriting fonts (src/synth/numbers.ts, seeded), every bad input, and the contract.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { toModelInput } from '../src/model/input-contract.js';
import { loadModel, runEach, type LoadedModel } from '../src/server/model.js';
import { decodeForReading } from '../src/imaging/decode-for-reading.js';
import { readNumber } from '../src/reader/index.js';
import { toMnist } from '../src/imaging/mnist-normalise.js';
import { loadMnist } from '../src/train/mnist.js';
import { runCli } from './helpers/cli.js';
import { BLUR_SVG, pngDeclaring } from './helpers/images.js';
import { modelDir } from './helpers/models.js';
import {
  compose,
  fontGlyphs,
  HANDWRITING_FONTS,
  makeSet,
  mnistGlyph,
  paperPng,
  score,
  seeded,
  type Glyph,
  type Sample,
  type SetName,
} from '../src/synth/numbers.js';
import { noiseLine } from './helpers/hostile.js';
import { assertMatchesContract } from './helpers/openapi.js';

const { test: mnist } = loadMnist();
let app: FastifyInstance;
let fonts: Glyph[][] = [];

before(async () => {
  // These are the segmentation reader's tests (its goals, its cuts): READER pins it whichever reader ships by default
  // (the line model's are in read-line.test.ts).
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', READER: 'segmentation' }), { logger: false });
  await app.ready();
  fonts = (await Promise.all(HANDWRITING_FONTS.map(fontGlyphs))).filter((g) => g !== undefined);
});
after(() => app.close());

const post = (body: Buffer, type = 'image/png', query = '') =>
  app.inject({ method: 'POST', url: `/read${query}`, headers: { 'content-type': type }, payload: body });

async function readAll(samples: Sample[]): Promise<Array<{ truth: string; read: string }>> {
  const pairs = [];
  for (const s of samples) {
    const res = await post(s.picture, s.type);
    assert.ok(res.statusCode === 200 || res.statusCode === 422, res.body);
    pairs.push({ truth: s.number.text, read: res.statusCode === 200 ? (res.json().text as string) : '' });
  }
  return pairs;
}

// String accuracy per set: the goals for wide gaps, touching digits, photos and canvas strokes; handwriting fonts
// have no goal in the issue. 200 numbers a set:
// with 60, one picture was 1.7 points, so a model's luck on three pictures decided a 95 % goal (wide gaps, the
// cheapest set and the one held to 1 point against known boxes, 400).
const GOALS: Array<[SetName, number, number]> = [
  ['wide', 400, 0.95],
  ['touching', 200, 0.85],
  ['photos', 200, 0.92],
  ['canvas', 200, 0.95],
  ['fonts', 100, 0.8],
];

describe('POST /read reads whole numbers', () => {
  for (const [name, count, goal] of GOALS) {
    it(`${name}: ≥ ${goal * 100} % of ${count} numbers read exactly`, async (t: TestContext) => {
      if (name === 'fonts' && fonts.length === 0)
        return t.skip(
          'no handwriting fonts (apt-get install fonts-dkg-handwriting fonts-breip fonts-humor-sans fonts-bwht fonts-rufscript)',
        );
      const { strings, characters } = score(await readAll(await makeSet(name, count, 18, mnist, fonts)));
      t.diagnostic(`${name}: strings ${(100 * strings).toFixed(1)} %, characters ${(100 * characters).toFixed(1)} %`);
      assert.ok(strings >= goal, `${name}: ${strings} of strings read, goal ${goal}`);
    });
  }

  it('segmentation costs at most 1 point on the wide-gap set against the same digits cut from their known boxes', async (t: TestContext) => {
    const samples = await makeSet('wide', 400, 18, mnist);
    const read = score(await readAll(samples)).strings;
    // The same pictures, each digit cut out from its true box (with some paper around it) and normalised as /predict does.
    const known = [];
    for (const s of samples) {
      const { data, info } = await sharp(s.picture).greyscale().raw().toBuffer({ resolveWithObject: true });
      const tensors = s.number.boxes.map((b) => {
        const pad = Math.round(0.1 * b.height);
        const [x0, y0] = [Math.max(0, b.x - pad), Math.max(0, b.y - pad)];
        const [w, h] = [Math.min(info.width, b.x + b.width + pad) - x0, Math.min(info.height, b.y + b.height + pad) - y0];
        const grey = new Uint8Array(w * h);
        for (let y = 0; y < h; y++) grey.set(data.subarray((y0 + y) * info.width + x0, (y0 + y) * info.width + x0 + w), y * w);
        return toModelInput(toMnist({ data: grey, width: w, height: h, alphaIsInk: false, lo: Math.min(...grey), hi: Math.max(...grey) }));
      });
      const predictions = await app.inference.predictAll(tensors);
      known.push({ truth: s.number.text, read: predictions.map((p) => p.probabilities.indexOf(Math.max(...p.probabilities))).join('') });
    }
    const fromBoxes = score(known).strings;
    t.diagnostic(`wide: segmented ${(100 * read).toFixed(1)} %, known boxes ${(100 * fromBoxes).toFixed(1)} %`);
    assert.ok(read >= fromBoxes - 0.01, `segmentation loses ${(100 * (fromBoxes - read)).toFixed(1)} points`);
  });

  it('answers the documented shape: text, calibrated confidences, a box around each digit, the 28×28 inputs with ?debug=1', async () => {
    const [sample] = await makeSet('wide', 1, 3, mnist);
    const res = await post(sample.picture, sample.type, '?debug=1');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assertMatchesContract('/read', 'post', 200, body);
    assert.equal(body.text, sample.number.text);
    assert.equal(body.digits.length, sample.number.boxes.length);
    body.digits.forEach(
      (
        d: { box: { x: number; y: number; width: number; height: number }; probabilities: number[]; confidence: number; input: string },
        i: number,
      ) => {
        const truth = sample.number.boxes[i];
        // The box found is the digit's ink, which the true box holds (up to the ink's faint edge).
        assert.ok(
          Math.abs(d.box.x - truth.x) <= 2 && Math.abs(d.box.x + d.box.width - truth.x - truth.width) <= 2,
          `box ${JSON.stringify(d.box)} vs ${JSON.stringify(truth)}`,
        );
        assert.ok(Math.abs(d.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        assert.equal(d.confidence, Math.max(...d.probabilities));
        assert.match(d.input, /^data:image\/png;base64,/);
      },
    );
    const product = body.digits.reduce((p: number, d: { confidence: number }) => p * d.confidence, 1);
    assert.ok(Math.abs(body.confidence - product) < 1e-9);
  });

  it('splits touching digits: one connected stroke holding two digits is read as two', async () => {
    const rng = seeded(5);
    // A 0 and a 3 pushed into each other until their strokes merge into one component.
    const number = compose([mnistGlyph(mnist, 3), mnistGlyph(mnist, 18)], 48, () => -4 / 48, rng, 20);
    assert.equal(number.text, '03');
    const res = await post(await paperPng(number));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().text, '03');
  });

  /** MNIST test digits `first` and `second` pushed `push` pixels into each other at 48 pixels high, read over HTTP as `text`. */
  async function readPair(
    first: number,
    second: number,
    push: number,
    text: string,
  ): Promise<Array<{ box: { x: number; width: number } }>> {
    const number = compose([mnistGlyph(mnist, first), mnistGlyph(mnist, second)], 48, () => -push / 48, seeded(5), 20);
    assert.equal(number.text, text);
    const res = await post(await paperPng(number));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().text, text);
    return res.json().digits;
  }

  it('splits a 1 stuck to its neighbour, in a piece no wider than one digit, into the two digits', async () => {
    // MNIST test digits: a 1 (indices 14, 37) pushed 3 pixels into a 7 or a 9, which read as one wide 7 or 8 before.
    for (const [one, other, text] of [
      [14, 0, '17'],
      [37, 9, '19'],
    ] as const) {
      const digits = await readPair(one, other, 3, text);
      // Two boxes side by side, the 1's on the left.
      assert.ok(digits[0].box.x < digits[1].box.x && digits[0].box.width < digits[1].box.width, JSON.stringify(digits.map((d) => d.box)));
    }
  });

  it('parts digits that share columns along the gap between their strokes, where no column parts them', async () => {
    // MNIST test digits pushed 6 pixels into each other: a 7 whose bar reaches over a 1, a 0 touched by a 4's stroke.
    // Column cuts alone read these as "7" and "021".
    for (const [first, second, text] of [
      [0, 39, '71'],
      [3, 33, '04'],
    ] as const) {
      const digits = await readPair(first, second, 6, text);
      // The two digits' ink boxes overlap by some columns: pieces between column cuts never do.
      const [a, b] = digits.map((d) => d.box);
      assert.ok(a.x + a.width - b.x >= 3, JSON.stringify([a, b]));
    }
  });

  it('?length=N reads exactly N digits', async () => {
    const [sample] = await makeSet('touching', 1, 9, mnist);
    const res = await post(sample.picture, sample.type, '?length=5');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().text.length, 5);
    const fewer = await post(sample.picture, sample.type, '?length=2');
    assert.equal(fewer.json().text.length, 2);
  });

  it('reads multipart uploads (field "image") and JPEG photos', async () => {
    const [photo] = await makeSet('photos', 1, 4, mnist);
    const boundary = '----read18';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="n.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      photo.picture,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/read',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().text, photo.number.text);
  });
});

describe('POST /read: where a picture is read', () => {
  // The combined reader reads both its readers' parts from one decoding, wherever it was decoded: a picture read again
  // on a thread has its line prepared there too, and is counted once, where it was read.
  for (const reader of ['segmentation', 'combined'] as const) {
    it(`${reader}: a small picture on the event loop; one that needs more than READ_INLINE_PIXELS on a thread; the same answers`, async () => {
      const config = { LOG_LEVEL: 'silent', READER: reader };
      const onLoop = reader === 'segmentation' ? app : await buildApp(loadConfig(config), { logger: false, model: app.modelSlot.current });
      const onThreads = await buildApp(loadConfig({ ...config, READ_INLINE_PIXELS: '0' }), {
        logger: false,
        model: app.modelSlot.current,
      });
      try {
        const where = async (at: FastifyInstance) => {
          const text = (await at.inject({ method: 'GET', url: '/metrics' })).body;
          const count = (w: string) => Number(new RegExp(`lenet_read_pictures_total\\{where="${w}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
          return { loop: count('event_loop'), thread: count('thread') };
        };
        const pictures = [
          ...(await makeSet('wide', 3, 36, mnist)).map((s) => ({ ...s, on: 'loop' })),
          ...(await makeSet('photos', 1, 36, mnist)).map((s) => ({ ...s, on: 'loop' })),
          // 1400×500: five times the work the event loop gives a picture before the reading starts.
          { picture: readFileSync('examples/number.jpg'), type: 'image/jpeg', on: 'thread' },
          // A zip code's size, but ten times the work the event loop gives a picture: started there, read again on a thread.
          { picture: await noiseLine(), type: 'image/png', on: 'thread' },
        ];
        for (const { picture, type, on } of pictures) {
          const [before, beforeThreads] = [await where(onLoop), await where(onThreads)];
          const [here, there] = await Promise.all(
            [onLoop, onThreads].map((at) =>
              at.inject({ method: 'POST', url: '/read', headers: { 'content-type': type }, payload: picture }),
            ),
          );
          if (reader === 'segmentation') assert.equal(here.statusCode, 200, here.body);
          assert.equal(here.statusCode, there.statusCode, here.body);
          assert.deepEqual(here.json(), there.json());
          if (reader === 'combined' && here.statusCode === 200) assert.equal(here.json().reader, 'combined');
          const [after, afterThreads] = [await where(onLoop), await where(onThreads)];
          assert.deepEqual(after, { ...before, [on]: before[on as 'loop' | 'thread'] + 1 }, `${type} ${picture.length} B`);
          assert.deepEqual(afterThreads, { ...beforeThreads, thread: beforeThreads.thread + 1 });
        }
      } finally {
        await onThreads.close();
        if (onLoop !== app) await onLoop.close();
      }
    });
  }
});

describe('readNumber: a model reloaded between two batches of one picture', () => {
  it('reads every piece again on the new model, so that no answer mixes two models', async () => {
    const { dir, other } = modelDir();
    const otherPath = path.join(dir, 'other.onnx');
    writeFileSync(otherPath, other);
    const [committed, untrained] = await Promise.all([loadModel('models/lenet.onnx', 'cpu', 1), loadModel(otherPath, 'cpu', 1)]);
    const run = async (model: LoadedModel, tensors: Float32Array[]) => (await runEach(model, tensors)).map((p) => Array.from(p));
    // A 7 whose bar reaches over a 1: the first batch leaves it unsure, so the reader classifies more pieces.
    const picture = await paperPng(compose([mnistGlyph(mnist, 0), mnistGlyph(mnist, 39)], 48, () => -6 / 48, seeded(5), 20));
    for (const reloaded of [false, true]) {
      const batches: number[] = [];
      const reading = await readNumber(await decodeForReading(picture, 1_000_000), {
        classify: async (tensors) => {
          batches.push(tensors.length);
          const model = reloaded && batches.length > 1 ? untrained : committed;
          return { probabilities: await run(model, tensors), temperature: 1, model: model === committed ? 'committed' : 'untrained' };
        },
      });
      if (!reloaded) {
        assert.ok(batches.length >= 2, 'the picture needs more than one batch');
        assert.equal(reading.text, '71');
        continue;
      }
      assert.equal(batches.length, 3);
      assert.equal(batches[2], batches[0] + batches[1], 'every piece, of the first batch and of the second, read again at once');
      // Every digit's probabilities are the new model's own for its input (to float32's precision: temperature 1 still
      // renormalises them in doubles).
      const own = await run(
        untrained,
        reading.digits.map((d) => toModelInput(d.pixels)),
      );
      reading.digits.forEach((d, i) =>
        d.probabilities.forEach((p, c) => assert.ok(Math.abs(p - own[i][c]) < 1e-6, `digit ${i} class ${c}: ${p} vs ${own[i][c]}`)),
      );
    }
    await Promise.all([committed.release(), untrained.release()]);
  });
});

describe('npm run predict -- --read', () => {
  it('reads each file as a whole number, as text and as JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lenet-read-'));
    const samples = await makeSet('wide', 2, 21, mnist);
    const files = samples.map((s, i) => path.join(dir, `n${i}.png`));
    samples.forEach((s, i) => writeFileSync(files[i], s.picture));
    const env = { READER: 'segmentation' };
    const text = await runCli('src/server/predict-cli.ts', ['--read', ...files], { env });
    assert.equal(text.code, 0, text.stderr);
    for (const [i, s] of samples.entries()) assert.match(text.stdout, new RegExp(`${files[i]}: ${s.number.text} \\(`));
    const json = await runCli('src/server/predict-cli.ts', ['--read', '--json', files[0]], { env });
    const [result] = JSON.parse(json.stdout);
    assert.equal(result.text, samples[0].number.text);
    assert.equal(result.digits.length, samples[0].number.text.length);
    assert.deepEqual(Object.keys(result.digits[0]).sort(), ['box', 'confidence', 'digit', 'probabilities']);
    assert.equal(result.reader, 'segmentation');
  });
});

describe('POST /read: every bad input is a 4xx JSON error in the documented shape', () => {
  const blank = () =>
    sharp({ create: { width: 400, height: 120, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
  /** Squared paper, light blue lines every 30 px on cream, nothing written. */
  function squaredSheet() {
    const lines = Array.from({ length: 26 }, (_, i) => 15 + 30 * i).map(
      (at) => `<line x1="0" y1="${at}" x2="800" y2="${at}"/><line x1="${at}" y1="0" x2="${at}" y2="800"/>`,
    );
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="300"><rect width="100%" height="100%" fill="#fbfaf4"/><g stroke="#9cc3e6" stroke-width="2">${lines.join('')}</g></svg>`;
    return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
  }
  async function tooMany() {
    const rng = seeded(11);
    const glyphs = Array.from({ length: 40 }, (_, i) => mnistGlyph(mnist, i));
    return paperPng(compose(glyphs, 28, () => 0.5, rng, 20));
  }
  const cases: Array<[string, () => Promise<{ body: Buffer; type?: string; query?: string }>, number, string]> = [
    ['a blank picture', async () => ({ body: await blank() }), 422, 'no_digit_found'],
    [
      'a speck of dust',
      async () => ({
        body: await sharp({ create: { width: 400, height: 120, channels: 3, background: '#fff' } })
          .composite([{ input: Buffer.from([0, 0, 0, 0]), raw: { width: 2, height: 2, channels: 1 }, left: 200, top: 60 }])
          .png()
          .toBuffer(),
      }),
      422,
      'no_digit_found',
    ],
    ['a squared sheet with nothing written on it, as a JPEG', async () => ({ body: await squaredSheet() }), 422, 'no_digit_found'],
    ['40 digits', async () => ({ body: await tooMany() }), 422, 'too_many_digits'],
    ['?length=0', async () => ({ body: await blank(), query: '?length=0' }), 400, 'invalid_request'],
    ['?length=33', async () => ({ body: await blank(), query: '?length=33' }), 400, 'invalid_request'],
    ['?length=2.5', async () => ({ body: await blank(), query: '?length=2.5' }), 400, 'invalid_request'],
    ['?length=five', async () => ({ body: await blank(), query: '?length=five' }), 400, 'invalid_request'],
    ['no body', async () => ({ body: Buffer.alloc(0) }), 400, 'missing_image'],
    ['truncated PNG', async () => ({ body: (await blank()).subarray(0, 60) }), 400, 'invalid_image'],
    ['not an image', async () => ({ body: Buffer.from('hello'), type: 'text/plain' }), 415, 'unsupported_media_type'],
    [
      'bytes that are no image format',
      async () => ({ body: Buffer.from('just some bytes, not a picture'), type: 'image/jpeg' }),
      415,
      'unsupported_image_format',
    ],
    ['a PNG declaring 50,000 × 50,000 pixels', async () => ({ body: pngDeclaring(50_000, 50_000) }), 413, 'image_too_large'],
    [
      'a PNG 20,000 pixels wide and 1 tall (within the pixel limit, a side over 16,384)',
      async () => ({ body: pngDeclaring(20_000, 1) }),
      413,
      'image_too_large',
    ],
    ['an SVG, sent as image/png', async () => ({ body: Buffer.from(BLUR_SVG) }), 415, 'unsupported_image_format'],
    [
      'a JSON body (refused before it is parsed)',
      async () => ({ body: Buffer.from('[[[[1]]]]'), type: 'application/json' }),
      415,
      'unsupported_media_type',
    ],
  ];
  for (const [what, make, status, code] of cases) {
    it(`${what} → ${status} ${code}`, async () => {
      const { body, type, query } = await make();
      const res = await post(body, type, query);
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().error.code, code);
      assertMatchesContract('/read', 'post', status, res.json());
    });
  }

  it("reads a number written 600 px tall from a shrunk copy, with boxes in the picture's own pixels", async () => {
    // Every cut costs in proportion to the line's height squared; a line this tall is read from a copy 3× smaller.
    const rng = seeded(41);
    const number = compose(
      [0, 1, 2, 3, 4].map((i) => mnistGlyph(mnist, 100 + i)),
      600,
      () => 0.5,
      rng,
      20,
    );
    const res = await post(await paperPng(number));
    assert.equal(res.statusCode, 200, res.body);
    const { text, digits } = res.json() as {
      text: string;
      digits: Array<{ box: { x: number; y: number; width: number; height: number } }>;
    };
    assert.equal(text, number.text);
    // Within 5 % of the height: the copy's box filter fades the faint edges of digits upscaled 30×; a box left in the
    // copy's pixels would be a third of the size.
    const near = (a: number, b: number) => Math.abs(a - b) <= 30;
    digits.forEach(({ box }, i) => {
      const truth = number.boxes[i];
      const where = `digit ${i}: ${JSON.stringify(box)} against ${JSON.stringify(truth)}`;
      assert.ok(
        near(box.x, truth.x) &&
          near(box.y, truth.y) &&
          near(box.x + box.width, truth.x + truth.width) &&
          near(box.y + box.height, truth.y + truth.height),
        where,
      );
    });
  });

  it('with API_KEY set, /read needs the bearer token as /predict does', async () => {
    const key = 'read-test-api-key-0123456789';
    const locked = await buildApp(loadConfig({ LOG_LEVEL: 'silent', API_KEY: key, READER: 'segmentation' }), {
      logger: false,
      model: app.modelSlot.current,
    });
    try {
      const [sample] = await makeSet('wide', 1, 3, mnist);
      const inject = (headers: Record<string, string>) =>
        locked.inject({ method: 'POST', url: '/read', headers: { 'content-type': 'image/png', ...headers }, payload: sample.picture });
      const refused = await inject({});
      assert.equal(refused.statusCode, 401);
      assertMatchesContract('/read', 'post', 401, refused.json());
      assert.equal((await inject({ authorization: `Bearer ${key}` })).statusCode, 200);
    } finally {
      await locked.close();
    }
  });

  it('GET /read → 405 with Allow: POST', async () => {
    const res = await app.inject({ method: 'GET', url: '/read' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'POST');
    assertMatchesContract('/read', 'post', 405, res.json());
  });
});
