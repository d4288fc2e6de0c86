// POST /predict on a picture of several digits: the same one-digit answer, plus a hint naming POST /read. Never on a
// single digit. The rule was fixed on MNIST test digits 0–2,999 and seeded lines (seed 77); here it is checked on
// other digits and other seeds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadMnist } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { makeSet } from '../src/synth/numbers.js';
import { assertMatchesContract } from './helpers/openapi.js';
import { appForTests } from './helpers/app.js';

const { test: mnist } = loadMnist();
const app = appForTests();

const predict = async (payload: Buffer, type = 'image/png') => {
  const res = await app().inject({ method: 'POST', url: '/predict', headers: { 'content-type': type }, payload });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assertMatchesContract('/predict', 'post', 200, body);
  return body;
};

describe('POST /predict hint', () => {
  it('examples/number.jpg: one digit answered, and a hint that names POST /read', async () => {
    const body = await predict(readFileSync('examples/number.jpg'), 'image/jpeg');
    assert.match(body.hint, /several digits.*POST \/read/);
    assert.ok(Number.isInteger(body.digit));
  });

  it('no hint for the single-digit examples', async () => {
    for (const [file, type] of [
      ['digit.png', 'image/png'],
      ['canvas.png', 'image/png'],
      ['photo.jpg', 'image/jpeg'],
    ]) {
      assert.equal((await predict(readFileSync(`examples/${file}`), type)).hint, undefined, file);
    }
  });

  // Held out when the rule was fixed: it hinted at 1 of these (8408, an 8 with a long stray stroke, ink 2.0 times wider
  // than tall). The answer itself is unchanged either way.
  it('a hint for at most 2 of 2,000 MNIST test digits it was not tuned on (8,000–9,999), plain or inverted', async () => {
    const hinted: number[] = [];
    for (let i = 8000; i < 10_000; i++) {
      const render = i % 2 ? variants.inverted : variants.plain;
      if ((await predict(await render(mnist, i))).hint !== undefined) hinted.push(i);
    }
    assert.ok(hinted.length <= 2, `hinted at ${hinted.join(', ')}`);
  });

  for (const set of ['wide', 'canvas', 'touching', 'photos'] as const) {
    it(`a hint for every one of 40 lines of 3–9 digits (${set}, seed 2027)`, async () => {
      const missed = [];
      for (const { picture, type, number } of await makeSet(set, 40, 2027, mnist)) {
        if ((await predict(picture, type)).hint === undefined) missed.push(number);
      }
      assert.deepEqual(missed, []);
    });
  }
});
