// The two decoding paths (pngjs on small PNGs, sharp on the rest) must give the model the same input; and the
// preprocessor must route each picture to the path the design says.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { PreprocessError, Preprocessor } from '../src/server/preprocess/index.js';
import { toMnist } from '../src/server/preprocess/mnist-normalise.js';
import { decodePng } from '../src/server/preprocess/png-decode.js';
import { decodeCommonPng } from '../src/server/preprocess/png-grey.js';
import { decodeWithSharp } from '../src/server/preprocess/sharp-codec.js';
import { loadMnist } from '../src/train/mnist.js';
import { pngDeclaring, variants } from './helpers/images.js';

const { test: mnist } = loadMnist();
const MAX_PIXELS = 25_000_000;

const cosine = (a: Uint8Array, b: Uint8Array) => {
  const dot = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
};
const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// More PNG flavours than the variants: palette, 16-bit and interlaced files decode differently in each library.
const encodings = {
  ...variants,
  palette: (i: number) => sharp(Buffer.from(mnist.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png({ palette: true, colours: 16 }).toBuffer(),
  sixteenBit: (i: number) => sharp(Buffer.from(mnist.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).resize(84, 84).toColourspace('grey16').png().toBuffer(),
  interlaced: (i: number) => sharp(Buffer.from(mnist.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).resize(200, 200).png({ progressive: true }).toBuffer(),
};

describe('the JS PNG decoders and sharp give the same model input', () => {
  for (const [name, render] of Object.entries(encodings)) {
    it(`${name}: 50 MNIST digits agree within 1/255 per pixel`, async () => {
      let worst = 0;
      for (let i = 0; i < 50; i++) {
        const png = await (render as (s: typeof mnist | number, i?: number) => Promise<Buffer>)(name in variants ? mnist : i, i);
        const fast = toMnist(decodePng(png));
        const general = toMnist(await decodeWithSharp(png, MAX_PIXELS));
        worst = Math.max(worst, maxDiff(fast, general));
      }
      assert.ok(worst <= 1, `largest pixel difference ${worst}/255`);
    });
  }
});

/** The PNG with one more chunk right after IHDR. */
function withChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  const afterIhdr = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterIhdr), chunk, png.subarray(afterIhdr)]);
}

describe('the direct PNG path (png-grey.ts)', () => {
  // Every filter type against pngjs: test/unit/png.test.ts.
  it('leaves palette, 16-bit, interlaced and tRNS PNGs, and damaged data, to pngjs', async () => {
    const digit = (i: number) => sharp(Buffer.from(mnist.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } });
    const plain = await digit(1).png().toBuffer();
    assert.ok(decodeCommonPng(plain), 'a plain grey PNG is taken');
    for (const [what, png] of [
      ['palette', await encodings.palette(1)],
      ['16-bit', await encodings.sixteenBit(1)],
      ['interlaced', await encodings.interlaced(1)],
      ['tRNS', withChunk(plain, 'tRNS', Buffer.from([0, 0]))], // grey 0 is see-through: pngjs makes it alpha 0
      ['truncated', plain.subarray(0, plain.length - 30)],
    ] as const) {
      assert.equal(decodeCommonPng(png), undefined, what);
    }
    // …and a damaged file still gets pngjs's error, as invalid_image.
    assert.throws(() => decodePng(plain.subarray(0, plain.length - 30)), /could not be decoded/);
  });

  it('stops inflating at the size the header declares: 16 KB of deflate claiming 16 MB is not taken, and is invalid_image', async () => {
    const bomb = pngDeclaring(28, 28, deflateSync(Buffer.alloc(16 << 20), { level: 9 }));
    assert.ok(bomb.length < 32 * 1024);
    assert.equal(decodeCommonPng(bomb), undefined);
    const preprocessor = new Preprocessor({ maxPixels: 1e6, threads: 0, inlineMaxPixels: 4096, maxQueue: 4 });
    await assert.rejects(preprocessor.run(bomb), (err) => err instanceof PreprocessError && err.code === 'invalid_image');
  });
});

describe('Preprocessor routing', () => {
  const pre = new Preprocessor({ maxPixels: MAX_PIXELS, threads: 2, inlineMaxPixels: 4096, maxQueue: 64 });
  const inline = new Preprocessor({ maxPixels: MAX_PIXELS, threads: 0, inlineMaxPixels: 4096, maxQueue: 64 });
  after(() => pre.close());

  it('28×28 PNG → inline, 280×280 PNG → worker, JPEG and PNGs over 512 px → sharp; all give the same digit', async () => {
    const big = await sharp(await variants.plain(mnist, 3)).resize(700, 700).png().toBuffer();
    const jpeg = await sharp(await variants.plain(mnist, 3)).resize(280, 280).jpeg({ quality: 95 }).toBuffer();
    const cases: Array<[Buffer, string]> = [
      [await variants.plain(mnist, 3), 'inline'],
      [await variants.rgb280(mnist, 3), 'worker'],
      [big, 'sharp'],
      [jpeg, 'sharp'],
    ];
    const reference = (await inline.run(cases[0][0])).pixels;
    for (const [bytes, path] of cases) {
      const out = await pre.run(bytes);
      assert.equal(out.path, path);
      assert.equal(out.tensor.length, 784);
      assert.ok(out.tensor.every((v, i) => Math.abs(v - out.pixels[i] / 255) < 1e-7));
      // Resized copies of one digit, so not identical, but the same shape in the same place: the same normalisation ran.
      assert.ok(cosine(out.pixels, reference) > 0.9, `${path}: cosine similarity ${cosine(out.pixels, reference)} to the 28×28 original`);
    }
  });

  it('the worker path equals the inline path exactly', async () => {
    for (let i = 0; i < 20; i++) {
      const png = await variants.rgb280(mnist, i);
      assert.deepEqual((await pre.run(png)).pixels, (await inline.run(png)).pixels);
    }
  });

  it('client errors cross the thread boundary as the same PreprocessError', async () => {
    const blank = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } }).png().toBuffer();
    await assert.rejects(pre.run(blank), (err) => err instanceof PreprocessError && err.code === 'no_digit_found');
    const truncated = (await variants.rgb280(mnist, 0)).subarray(0, 400);
    await assert.rejects(pre.run(truncated), (err) => err instanceof PreprocessError && err.code === 'invalid_image');
  });
});

describe('Preprocessor queue', () => {
  it('serves waiting pictures first come, first served under sustained load', async () => {
    // One worker, 16 clients each sending its next picture as soon as the last is done: every task waits in the queue.
    // Without piscina's stricterFIFO, a task that could not be handed out went back to the tail and could lose its turn
    // again and again; in order, none is overtaken by more than the other clients' tasks already queued.
    const pool = new Preprocessor({ maxPixels: MAX_PIXELS, threads: 1, inlineMaxPixels: 0, maxQueue: 64 });
    const png = await variants.rgb280(mnist, 0);
    const clients = 16;
    let submitted = 0;
    let worstOvertaken = 0;
    const finished: number[] = [];
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (submitted < 400) {
          const ticket = submitted++;
          await pool.run(png);
          // Tasks submitted after this one that finished before it.
          worstOvertaken = Math.max(worstOvertaken, finished.filter((t) => t > ticket).length);
          finished.push(ticket);
        }
      }),
    );
    await pool.close();
    assert.equal(finished.length, 400);
    assert.ok(worstOvertaken < clients, `a task was overtaken by ${worstOvertaken} later ones`);
  });
});
