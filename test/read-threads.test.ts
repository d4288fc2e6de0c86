// POST /read with its pixel work in the preprocessing threads (PREPROCESS_THREADS > 0, as with one process on a
// multi-core machine) answers exactly as with it on the event loop: the same JSON for numbers from every set, with
// ?length and ?debug=1, and the same errors for bad pictures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';
import { pngDeclaring } from './helpers/images.js';
import { compose, fontGlyphs, HANDWRITING_FONTS, makeSet, mnistGlyph, paperPng, seeded, type SetName } from './helpers/numbers.js';

let threaded: FastifyInstance;
let inline: FastifyInstance;

before(async () => {
  threaded = await buildApp(loadConfig({ LOG_LEVEL: 'silent', WORKERS: '1', PREPROCESS_THREADS: '2' }), { logger: false });
  await threaded.ready();
  inline = await buildApp(loadConfig({ LOG_LEVEL: 'silent', WORKERS: '1', PREPROCESS_THREADS: '0' }), { logger: false, model: threaded.modelSlot.current });
  await inline.ready();
});
after(() => Promise.all([threaded.close(), inline.close()]));

async function bothRead(body: Buffer, type: string, query = '') {
  const request = { method: 'POST' as const, url: `/read${query}`, headers: { 'content-type': type }, payload: body };
  const [a, b] = await Promise.all([threaded.inject(request), inline.inject(request)]);
  assert.equal(a.statusCode, b.statusCode, `${a.body}\n${b.body}`);
  assert.equal(a.body, b.body);
  return a;
}

describe('POST /read in the preprocessing threads', () => {
  it('reads every set as the event loop does: text, digits, boxes, probabilities, debug inputs', async () => {
    const { test: mnist } = loadMnist();
    const fonts = (await Promise.all(HANDWRITING_FONTS.map(fontGlyphs))).filter((g) => g !== undefined);
    const sets: SetName[] = fonts.length > 0 ? ['wide', 'touching', 'photos', 'canvas', 'fonts'] : ['wide', 'touching', 'photos', 'canvas'];
    const before = threaded.preprocessor.threadTasks;
    let reads = 0;
    for (const name of sets) {
      for (const [i, s] of (await makeSet(name, 6, 41, mnist, fonts)).entries()) {
        const query = ['', `?length=${s.number.text.length}`, '?debug=1'][i % 3];
        const res = await bothRead(s.picture, s.type, query);
        assert.equal(res.statusCode, 200, res.body);
        reads++;
      }
    }
    assert.equal(threaded.preprocessor.threadTasks - before, reads, 'every read ran in a thread');
  });

  it('answers bad pictures with the same errors', async () => {
    const { test: mnist } = loadMnist();
    const blank = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#fff' } }).png().toBuffer();
    const forty = await paperPng(compose(Array.from({ length: 40 }, (_, i) => mnistGlyph(mnist, i)), 28, () => 0.5, seeded(11), 20));
    const cases: Array<[Buffer, string, number]> = [
      [blank, 'image/png', 422],
      [forty, 'image/png', 422],
      [blank.subarray(0, 60), 'image/png', 400],
      [Buffer.from('just some bytes, not a picture'), 'image/jpeg', 415],
      [pngDeclaring(50_000, 50_000), 'image/png', 413],
    ];
    for (const [body, type, status] of cases) assert.equal((await bothRead(body, type)).statusCode, status);
  });
});
