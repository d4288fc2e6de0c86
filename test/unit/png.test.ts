// Our PNG decoder (png-grey.ts) against pngjs as a reference reader: every 8-bit colour type, every filter type, with
// and without transparency, gives exactly the grey map pngjs + RGBA→grey gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { greyOf } from '../../src/server/preprocess/mnist-normalise.js';
import { parsePngHeader } from '../../src/server/preprocess/png-header.js';
import { decodePngPixels } from '../../src/server/preprocess/png-grey.js';

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

});
