// The two decoding paths (our PNG decoder on PNGs up to 512 px, sharp on the rest) must give the model the same input,
// for every PNG layout and every EXIF orientation; and the preprocessor must route each picture to the path the design
// says.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { PNG } from 'pngjs';
import { QueueFullError } from '../src/imaging/errors.js';
import { Preprocessor } from '../src/imaging/index.js';
import { greyOf, toMnist } from '../src/imaging/mnist-normalise.js';
import { decodePng, decodePngAsync, pngToMnist, pngToMnistAsync } from '../src/imaging/png-decode.js';
import { parsePngHeader } from '../src/imaging/png-header.js';
import { decodePngPixels, inflateExactAsync } from '../src/imaging/png-grey.js';
import { decodeWithSharp } from '../src/imaging/sharp-codec.js';
import { loadMnist } from '../src/train/mnist.js';
import { chunksOf, pngDeclaring, pngOf, storedAs } from './helpers/images.js';
import { variants } from '../src/synth/mnist-pictures.js';

const { test: mnist } = loadMnist();
const MAX_PIXELS = 25_000_000;

const cosine = (a: Uint8Array, b: Uint8Array) => {
  const dot = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
};
const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const digit = (i: number) =>
  sharp(Buffer.from(mnist.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } });
/** The digit as black strokes on a transparent canvas. */
const strokes = (i: number) => {
  const rgba = Buffer.alloc(784 * 4);
  mnist.images.subarray(i * 784, (i + 1) * 784).forEach((v, k) => (rgba[4 * k + 3] = v));
  return sharp(rgba, { raw: { width: 28, height: 28, channels: 4 } });
};

// Every PNG layout: bit depths × colour types, palette with and without tRNS, interlaced.
const encodings: Record<string, (i: number) => Promise<Buffer>> = {
  plain: (i) => variants.plain(mnist, i),
  rgb280: (i) => variants.rgb280(mnist, i),
  rgbaTransparent: (i) => variants.rgbaTransparent(mnist, i),
  smallOffCentre: (i) => variants.smallOffCentre(mnist, i),
  greyAlpha: (i) => strokes(i).resize(56, 56).toColourspace('b-w').png().toBuffer(),
  palette: (i) => digit(i).png({ palette: true, colours: 16 }).toBuffer(),
  palette1bit: (i) => digit(i).resize(56, 56).png({ palette: true, colours: 2 }).toBuffer(),
  palette2bit: (i) => digit(i).resize(56, 56).png({ palette: true, colours: 4 }).toBuffer(),
  paletteTransparent: (i) => strokes(i).resize(56, 56).png({ palette: true, colours: 32 }).toBuffer(),
  sixteenBit: (i) => digit(i).resize(84, 84).toColourspace('grey16').png().toBuffer(),
  sixteenBitRgba: (i) => strokes(i).resize(60, 60).toColourspace('rgb16').png().toBuffer(),
  interlaced: (i) => digit(i).resize(200, 200).png({ progressive: true }).toBuffer(),
  interlacedPalette: (i) => digit(i).resize(45, 37).png({ progressive: true, palette: true, colours: 8 }).toBuffer(),
};

describe('our PNG decoder and sharp give the same 28×28 input', () => {
  for (const [name, render] of Object.entries(encodings)) {
    it(`${name}: 30 MNIST digits agree within 1/255 per pixel`, async () => {
      let worst = 0;
      for (let i = 0; i < 30; i++) {
        const png = await render(i);
        const fast = toMnist(decodePng(png, MAX_PIXELS));
        const general = toMnist(await decodeWithSharp(png, MAX_PIXELS));
        worst = Math.max(worst, maxDiff(fast, general));
        // The service's path normalises the plane where the WebAssembly kernels decoded it: exactly the same bytes.
        assert.deepEqual(pngToMnist(png, MAX_PIXELS), fast);
        assert.deepEqual(await pngToMnistAsync(png, MAX_PIXELS), fast);
      }
      assert.ok(worst <= 1, `largest pixel difference ${worst}/255`);
    });
  }

  it('every EXIF orientation (PNG eXIf chunk) gives the same digit upright on both paths, and the same as JPEG', async () => {
    // A 7 drawn sideways and stored with the orientation that turns it upright: our decoder and sharp must both turn it.
    const upright = await digit(0).resize(140, 84, { fit: 'fill' }).png().toBuffer();
    const reference = toMnist(decodePng(upright, MAX_PIXELS));
    const jpegReference = toMnist(await decodeWithSharp(await sharp(upright).jpeg({ quality: 98 }).toBuffer(), MAX_PIXELS));
    for (let orientation = 1; orientation <= 8; orientation++) {
      const turned = await storedAs[orientation](sharp(upright)).png().toBuffer();
      const png = await sharp(turned).withMetadata({ orientation }).png().toBuffer();
      assert.ok(
        chunksOf(png).some(([type]) => type === 'eXIf'),
        'sharp wrote an eXIf chunk',
      );
      const jpeg = await sharp(turned).withMetadata({ orientation }).jpeg({ quality: 98 }).toBuffer();
      const fast = toMnist(decodePng(png, MAX_PIXELS));
      assert.deepEqual(pngToMnist(png, MAX_PIXELS), fast);
      const general = toMnist(await decodeWithSharp(png, MAX_PIXELS));
      const fromJpeg = toMnist(await decodeWithSharp(jpeg, MAX_PIXELS));
      assert.ok(maxDiff(fast, general) <= 1, `orientation ${orientation}: paths differ by ${maxDiff(fast, general)}`);
      assert.ok(maxDiff(fast, reference) <= 1, `orientation ${orientation}: not upright`);
      // JPEG's loss moves faint pixels (so not exact: 0.85–0.96 measured), but left unturned it shares far less (≤ 0.61).
      assert.ok(
        cosine(fromJpeg, jpegReference) > 0.8,
        `orientation ${orientation}: JPEG not upright (cosine ${cosine(fromJpeg, jpegReference)})`,
      );
    }
  });
});

describe('our PNG decoder (png-grey.ts)', () => {
  // A digit drawn with noise and, for half the pictures, see-through strokes: every filter has varied bytes to undo.
  const picture = (i: number, transparent: boolean) => {
    const width = 37;
    const height = 29;
    const data = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      const ink = mnist.images[i * 784 + (p % height) * 28 + (p % 28)];
      data[4 * p] = (ink * 3 + p * 7) & 255;
      data[4 * p + 1] = 255 - ink;
      data[4 * p + 2] = (p * 13) & 255;
      data[4 * p + 3] = transparent ? ink : 255;
    }
    return { data, width, height };
  };
  const sharpGrey = async (png: Buffer) => {
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return greyOf({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height });
  };

  for (const colorType of [0, 2, 4, 6] as const) {
    for (const bitDepth of [8, 16] as const) {
      it(`colour type ${colorType}, ${bitDepth}-bit: every filter type gives exactly what sharp + RGBA→grey gives`, async () => {
        for (const filterType of [0, 1, 2, 3, 4, -1]) {
          for (const transparent of [false, true]) {
            const { data, width, height } = picture(filterType + 2, transparent);
            const png = new PNG({ width, height, colorType, inputColorType: 6, filterType, bitDepth });
            data.copy(png.data);
            const bytes = PNG.sync.write(png, { colorType, inputColorType: 6, filterType, bitDepth });
            const label = `colour type ${colorType}, ${bitDepth}-bit, filter ${filterType}, transparent ${transparent}`;
            const header = parsePngHeader(bytes, MAX_PIXELS);
            const expected = await sharpGrey(bytes);
            assert.deepEqual(decodePngPixels(header), expected, label);
            assert.deepEqual(decodePngPixels(header, await inflateExactAsync(header)), expected, `${label}, inflated on libuv's threads`);
          }
        }
      });
    }
  }

  it('palette, low bit depths, tRNS and interlaced files give exactly what sharp gives', async () => {
    for (const name of ['palette', 'palette1bit', 'palette2bit', 'paletteTransparent', 'interlaced', 'interlacedPalette', 'greyAlpha']) {
      const png = await encodings[name](5);
      assert.deepEqual(decodePngPixels(parsePngHeader(png, MAX_PIXELS)), await sharpGrey(png), name);
    }
  });

  it('damaged data is a 400, never a picture', () => {
    const plain = PNG.sync.write(Object.assign(new PNG({ width: 28, height: 28 }), { data: Buffer.alloc(28 * 28 * 4, 200) }));
    assert.throws(() => decodePng(plain.subarray(0, plain.length - 30), MAX_PIXELS), { code: 'invalid_image' });
  });

  it('inflates exactly the size the header declares: short data and long data are 400s', async () => {
    const rows = (n: number) => Buffer.alloc(n * (28 + 1));
    for (const [what, idat] of [
      ['empty', Buffer.alloc(0)],
      ['an empty deflate stream', deflateSync(Buffer.alloc(0))],
      ['one row short', deflateSync(rows(27))],
      ['one byte short', deflateSync(rows(28).subarray(1))],
      ['one byte long', deflateSync(Buffer.concat([rows(28), Buffer.alloc(1)]))],
      ['16 MB long', deflateSync(Buffer.alloc(16 << 20), { level: 9 })],
      ['cut short', deflateSync(rows(28)).subarray(0, 8)],
    ] as const) {
      assert.throws(() => decodePng(pngDeclaring(28, 28, idat), MAX_PIXELS), { code: 'invalid_image' }, what);
      await assert.rejects(
        decodePngAsync(pngDeclaring(28, 28, idat), MAX_PIXELS),
        { code: 'invalid_image' },
        `${what}, inflated on libuv's threads`,
      );
    }
    assert.equal(decodePng(pngDeclaring(28, 28, deflateSync(rows(28))), MAX_PIXELS).width, 28, 'the exact size decodes');
    const preprocessor = new Preprocessor({ maxPixels: 1e6, threads: 0, inlineMaxPixels: 4096, maxQueue: 4 });
    await assert.rejects(preprocessor.run(pngDeclaring(28, 28, deflateSync(Buffer.alloc(16 << 20)))), { code: 'invalid_image' });
    await assert.rejects(preprocessor.run(pngOf(chunksOf(pngDeclaring(28, 28)).slice(0, 2))), { code: 'invalid_image' }, 'no IEND');
  });

  it("a chunk that makes the pixels with a wrong CRC is a 400 on our path and on sharp's alike; an ancillary one is read", async () => {
    const preprocessor = new Preprocessor({ maxPixels: 1e6, threads: 0, inlineMaxPixels: 4096, maxQueue: 4 });
    // One CRC bit flipped in the chunk of that type, after a tEXt chunk is added behind IHDR.
    const flipped = (png: Buffer, type: string) => {
      const chunks = chunksOf(png);
      const file = pngOf([chunks[0], ['tEXt', Buffer.from('Comment\0a digit')], ...chunks.slice(1)]);
      const at = file.indexOf(type, 8, 'latin1') - 4;
      file[at + 12 + file.readUInt32BE(at) - 1] ^= 1;
      return file;
    };
    // 28×28 is decoded by ours (png-grey.ts), 600×600 by sharp (over WORKING_SIZE).
    for (const png of [
      await variants.plain(mnist, 5),
      await sharp(await variants.plain(mnist, 5))
        .resize(600, 600)
        .png()
        .toBuffer(),
    ]) {
      for (const type of ['IHDR', 'IDAT']) await assert.rejects(preprocessor.run(flipped(png, type)), { code: 'invalid_image' }, type);
      const read = await preprocessor.run(flipped(png, 'tEXt'));
      assert.deepEqual(read.pixels, (await preprocessor.run(png)).pixels, 'tEXt');
    }
  });
});

describe('Preprocessor routing', () => {
  const pre = new Preprocessor({ maxPixels: MAX_PIXELS, threads: 2, inlineMaxPixels: 4096, maxQueue: 64 });
  const inline = new Preprocessor({ maxPixels: MAX_PIXELS, threads: 0, inlineMaxPixels: 4096, maxQueue: 64 });
  after(() => pre.close());

  it('28×28 PNG → inline, 280×280 PNG → worker, JPEG and PNGs over 512 px → sharp; all give the same digit', async () => {
    const big = await sharp(await variants.plain(mnist, 3))
      .resize(700, 700)
      .png()
      .toBuffer();
    const jpeg = await sharp(await variants.plain(mnist, 3))
      .resize(280, 280)
      .jpeg({ quality: 95 })
      .toBuffer();
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

  it('client errors cross the thread boundary as the same 4xx', async () => {
    const blank = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    await assert.rejects(pre.run(blank), { code: 'no_digit_found' });
    const truncated = (await variants.rgb280(mnist, 0)).subarray(0, 400);
    await assert.rejects(pre.run(truncated), { code: 'invalid_image' });
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

  it('refuses pictures beyond maxQueue waiting with QueueFullError, and serves the rest', async () => {
    const pool = new Preprocessor({ maxPixels: MAX_PIXELS, threads: 1, inlineMaxPixels: 0, maxQueue: 2 });
    const png = await variants.rgb280(mnist, 0);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => pool.run(png)));
    await pool.close();
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(refused.length > 0 && refused.length < 12, `${refused.length} of 12 refused`);
    for (const r of refused) {
      assert.ok(r.reason instanceof QueueFullError, String(r.reason));
      assert.equal(r.reason.limit, 2);
    }
  });
});
