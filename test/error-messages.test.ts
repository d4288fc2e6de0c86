// Error messages that tell a newcomer what to do: a refused Content-Type lists every type that is read (and each of
// them is), and a query value outside its enum names the allowed ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { loadMnist } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { appForTests } from './helpers/app.js';

const { test: mnist } = loadMnist();
const app = appForTests();

describe('error messages', () => {
  for (const url of ['/predict', '/read']) {
    it(`${url}: a refused Content-Type lists every type that is read, and each of them is`, async () => {
      const refused = await app().inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
      assert.equal(refused.statusCode, 415);
      const { message } = refused.json().error;
      const listed = [...message.matchAll(/\b(image\/[a-z]+|application\/octet-stream)\b/g)].map((m) => m[1]);
      assert.deepEqual(
        listed,
        ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/tiff', 'image/avif', 'application/octet-stream'],
        message,
      );
      const ink = sharp(await variants.rgb280(mnist, 1));
      const bodies: Record<string, Buffer> = {
        'image/png': await ink.clone().png().toBuffer(),
        'image/jpeg': await ink.clone().jpeg().toBuffer(),
        'image/webp': await ink.clone().webp().toBuffer(),
        'image/gif': await ink.clone().gif().toBuffer(),
        'image/tiff': await ink.clone().tiff().toBuffer(),
        'image/avif': await ink.clone().avif().toBuffer(),
        'application/octet-stream': await ink.clone().jpeg().toBuffer(), // the format is told from the bytes
      };
      for (const type of listed) {
        const res = await app().inject({ method: 'POST', url, headers: { 'content-type': type }, payload: bodies[type] });
        assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
        const answer = res.json();
        assert.equal(url === '/read' ? answer.text : answer.digit, url === '/read' ? String(mnist.labels[1]) : mnist.labels[1], type);
      }
    });
  }

  it('a query value outside its enum names the allowed values', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/predict?debug=yes',
      headers: { 'content-type': 'image/png' },
      payload: Buffer.alloc(8),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_request');
    assert.match(res.json().error.message, /debug must be equal to one of the allowed values \(0, 1, true, false\)/);
  });
});
