// Our PNG decoder (png-grey.ts) against pngjs as a reference reader: every 8-bit colour type, every filter type, with
// and without transparency, gives exactly the grey map pngjs + RGBA→grey gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { greyOf } from '../../src/imaging/mnist-normalise.js';
import { parsePngHeader } from '../../src/imaging/png-header.js';
import { decodePngPixels, inflateExact, inflateExactAsync, SYNC_INFLATE_BYTES } from '../../src/imaging/png-grey.js';
import { ihdr, pngOf } from '../helpers/images.js';

/** What pngjs reads, as the grey map normalisation starts from. */
const reference = (bytes: Buffer) => {
  const png = PNG.sync.read(bytes);
  return greyOf({ data: png.data, width: png.width, height: png.height, opaque: !png.alpha });
};

describe('PNG filters (png-grey.ts)', () => {
  // A blob drawn with noise and, for half the pictures, see-through strokes: every filter has varied bytes to undo.
  const picture = (i: number, transparent: boolean) => {
    const width = 37;
    const height = 29;
    const data = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      const [x, y] = [p % width, Math.floor(p / width)];
      const ink = (x - 18) ** 2 + (y - 14) ** 2 < 60 + 10 * i ? 255 - ((p * 31) & 63) : (p * 17) & 31;
      data[4 * p] = (ink * 3 + p * 7) & 255;
      data[4 * p + 1] = 255 - ink;
      data[4 * p + 2] = (p * 13) & 255;
      data[4 * p + 3] = transparent ? ink : 255;
    }
    return { data, width, height };
  };

  for (const colorType of [0, 2, 4, 6] as const) {
    it(`colour type ${colorType}: every filter type gives exactly what pngjs + RGBA→grey gives`, () => {
      for (const filterType of [0, 1, 2, 3, 4, -1]) {
        for (const transparent of [false, true]) {
          const { data, width, height } = picture(filterType + 2, transparent);
          const png = new PNG({ width, height, colorType, inputColorType: 6, filterType });
          data.copy(png.data);
          const bytes = PNG.sync.write(png, { colorType, inputColorType: 6, filterType });
          const direct = decodePngPixels(parsePngHeader(bytes, 1e6));
          assert.deepEqual(direct, reference(bytes), `colour type ${colorType}, filter ${filterType}, transparent ${transparent}`);
        }
      }
    });
  }

  // The WebAssembly path (8-bit grey, grey+alpha, RGB, RGBA) works a pixel or 4 pixels a step and reads past rows:
  // noise makes every Paeth/Average case occur, and widths 1–9 and 61 put every vector tail at a row's end.
  const noise = (width: number, height: number, seed: number) => {
    const data = Buffer.alloc(width * height * 4);
    let x = seed;
    for (let i = 0; i < data.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      data[i] = i % 4 === 3 && seed % 2 === 0 ? 255 : x >>> 24; // half the pictures opaque
    }
    return data;
  };
  for (const colorType of [0, 2, 4, 6] as const) {
    it(`colour type ${colorType}, noise at widths 1–9 and 61, every filter: exactly what pngjs + RGBA→grey gives`, () => {
      for (const width of [1, 2, 3, 4, 5, 6, 7, 8, 9, 61]) {
        for (const filterType of [0, 1, 2, 3, 4, -1]) {
          for (const seed of [1, 2]) {
            const height = 13;
            const png = new PNG({ width, height, colorType, inputColorType: 6, filterType });
            noise(width, height, seed * 7 + width).copy(png.data);
            const bytes = PNG.sync.write(png, { colorType, inputColorType: 6, filterType });
            const label = `colour type ${colorType}, width ${width}, filter ${filterType}, seed ${seed}`;
            assert.deepEqual(decodePngPixels(parsePngHeader(bytes, 1e6)), reference(bytes), label);
          }
        }
      }
    });
  }

  it('Paeth as the WebAssembly computes it (stb_image’s form) equals the spec’s for every left, above and upper left', () => {
    const spec = (a: number, b: number, c: number) => {
      const [pa, pb, pc] = [Math.abs(b - c), Math.abs(a - c), Math.abs(a + b - 2 * c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const stb = (a: number, b: number, c: number) => {
      const threshold = 3 * c - (a + b);
      const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
      return threshold <= lo ? hi : hi <= threshold ? lo : c;
    };
    let differ = 0;
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) for (let c = 0; c < 256; c++) if (spec(a, b, c) !== stb(a, b, c)) differ++;
    assert.equal(differ, 0);
  });

  it('a large RGB noise picture, every row Paeth, decodes as pngjs reads it (a million Paeth cases)', () => {
    const [width, height] = [700, 500];
    const png = new PNG({ width, height, colorType: 2, inputColorType: 6, filterType: 4 });
    noise(width, height, 3).copy(png.data);
    const bytes = PNG.sync.write(png, { colorType: 2, inputColorType: 6, filterType: 4 });
    assert.deepEqual(decodePngPixels(parsePngHeader(bytes, 1e6)), reference(bytes));
  });

  it('an unknown filter type on any row is a 400 invalid_image, whichever loops undo the rows', () => {
    for (const [colorType, bitDepth] of [
      [6, 8],
      [2, 8],
      [0, 8],
      [6, 16],
    ] as const) {
      const png = new PNG({ width: 9, height: 5, colorType, inputColorType: 6, bitDepth });
      noise(9, 5, 4).copy(png.data);
      const header = parsePngHeader(PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth, filterType: 2 }), 1e6);
      const raw = new Uint8Array(inflateSync(Buffer.concat(header.idat)));
      raw[3 * (raw.length / 5)] = 5; // row 3's filter byte
      assert.throws(() => decodePngPixels(header, raw), { code: 'invalid_image' }, `colour type ${colorType}, ${bitDepth}-bit`);
    }
  });

  // Grey 8-bit rows of `width` + 1 bytes (a filter byte, then pixels): pixel data just under and just over the size
  // that inflates on the calling thread, so both paths are held to the same contract.
  const sizes = [Math.floor(SYNC_INFLATE_BYTES / 1001), Math.ceil(SYNC_INFLATE_BYTES / 1001) + 1].map((height) => ({
    width: 1000,
    height,
  }));
  const rows = (width: number, height: number, extra = 0) => {
    const raw = Buffer.alloc((width + 1) * height + extra);
    for (let i = 0; i < raw.length; i++) raw[i] = i % (width + 1) === 0 ? 0 : (i * 7) & 255;
    return raw;
  };
  const grey = (width: number, height: number, idat: Buffer) =>
    parsePngHeader(
      pngOf([
        ['IHDR', ihdr(width, height)],
        ['IDAT', idat],
        ['IEND', Buffer.alloc(0)],
      ]),
      2e6,
    );

  it('inflate: either side of SYNC_INFLATE_BYTES, the pixel data inflates to exactly its bytes on both paths', async () => {
    for (const { width, height } of sizes) {
      const raw = rows(width, height);
      const header = grey(width, height, deflateSync(raw));
      assert.deepEqual(Buffer.from(await inflateExactAsync(header)), raw, `${width}×${height}`);
      assert.deepEqual(Buffer.from(inflateExact(header)), raw, `${width}×${height}`);
    }
    assert.ok(sizes[0].height * 1001 <= SYNC_INFLATE_BYTES && sizes[1].height * 1001 > SYNC_INFLATE_BYTES);
  });

  it('inflate: short, long or corrupt pixel data is a 400 invalid_image on both paths', async () => {
    for (const { width, height } of sizes) {
      const whole = deflateSync(rows(width, height));
      const corrupt = Buffer.from(whole);
      for (let j = 0; j < 40; j++) corrupt[100 + j] ^= 0xa5;
      const cases = {
        short: deflateSync(rows(width, height - 1)),
        long: deflateSync(rows(width, height, 1)),
        cut: whole.subarray(0, whole.length - 50),
        corrupt,
      };
      for (const [what, idat] of Object.entries(cases)) {
        const header = grey(width, height, idat);
        assert.throws(() => inflateExact(header), { code: 'invalid_image' }, `${what}, ${width}×${height}`);
        await assert.rejects(inflateExactAsync(header), { code: 'invalid_image' }, `${what}, ${width}×${height}, async`);
      }
    }
  });
});
