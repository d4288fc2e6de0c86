// Underexposed photos: paper darker than mid-grey is still paper. Polarity was decided by the border's level alone
// (≤ 127: white ink on black), so a number photographed in dim light, its paper at 100, was read as its paper's shape:
// /read read none of these (0 of 12) and /predict guessed. White ink on a dark ground keeps its polarity, a black
// speck or a dim stroke beside it included.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { validationDigits } from '../src/train/line-validation.js';
import { loadMnist } from '../src/train/mnist.js';
import { makeSet, type Sample } from '../src/synth/numbers.js';

const { train, test: mnist } = loadMnist();
let app: FastifyInstance;
let samples: Sample[];

before(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: 'segmentation' }), { logger: false });
  await app.ready();
  samples = await makeSet('wide', 12, 4242, validationDigits(train));
});
after(() => app.close());

/** Levels mapped so that white paper becomes `paper` and black ink `ink`. */
const dimmed = (picture: Buffer, paper: number, ink: number) =>
  sharp(picture)
    .greyscale()
    .linear((paper - ink) / 255, ink)
    .png()
    .toBuffer();
const post = (url: string, payload: Buffer, type = 'image/png') =>
  app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });
const mnistPng = (i: number, map: (v: number) => number) =>
  sharp(Buffer.from(mnist.images.subarray(i * 784, (i + 1) * 784).map(map)), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();

describe('dark paper', () => {
  it('POST /read reads numbers on paper at 100 as it reads them on white paper (PNG and JPEG)', async () => {
    let white = 0;
    let dark = 0;
    let darkJpeg = 0;
    for (const s of samples) {
      const text = async (res: Awaited<ReturnType<typeof post>>) => (res.statusCode === 200 ? (res.json() as { text: string }).text : '');
      if ((await text(await post('/read', await dimmed(s.picture, 255, 0)))) === s.number.text) white++;
      if ((await text(await post('/read', await dimmed(s.picture, 100, 30)))) === s.number.text) dark++;
      const jpeg = await sharp(await dimmed(s.picture, 110, 40))
        .jpeg({ quality: 80 })
        .toBuffer();
      if ((await text(await post('/read', jpeg, 'image/jpeg'))) === s.number.text) darkJpeg++;
    }
    assert.ok(white >= 10, `white paper: ${white} of 12`);
    assert.ok(dark >= white - 1 && darkJpeg >= white - 1, `white ${white}, paper at 100 ${dark}, JPEG at 110 ${darkJpeg} of 12`);
  });

  it('POST /predict: 30 MNIST digits in dark ink on dim paper agree with the same digits on white paper', async () => {
    let agree = 0;
    for (let i = 0; i < 30; i++) {
      const onWhite = (await post('/predict', await mnistPng(i, (v) => 255 - v))).json() as { digit: number };
      const onDim = (await post('/predict', await mnistPng(i, (v) => 100 - Math.round((v * 70) / 255)))).json() as { digit: number };
      if (onDim.digit === onWhite.digit) agree++;
    }
    assert.ok(agree >= 29, `${agree} of 30`);
  });

  it('white ink on a dark ground stays white ink: dim strokes, and chalk on slate beside a black speck', async () => {
    let right = 0;
    for (let i = 0; i < 30; i++) {
      const dim = await mnistPng(i, (v) => 20 + Math.round((v * 90) / 255)); // ground at 20, strokes up to 110
      // Ground at 100, strokes up to 140, one pixel at 0: by its extremes alone the ground looks like dim paper.
      const slate = await sharp(await mnistPng(i, (v) => 100 + Math.round((v * 40) / 255)))
        .composite([{ input: Buffer.from([0]), raw: { width: 1, height: 1, channels: 1 }, left: 27, top: 27 }])
        .png()
        .toBuffer();
      const a = (await post('/predict', dim)).json() as { digit: number };
      const b = (await post('/predict', slate)).json() as { digit: number };
      if (a.digit === mnist.labels[i] && b.digit === mnist.labels[i]) right++;
    }
    assert.ok(right >= 28, `${right} of 30`);
  });
});
