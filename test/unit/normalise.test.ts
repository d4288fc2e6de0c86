// MNIST normalisation's geometry on drawn pictures (no decoder, no model): the ink fitted into 20×20 keeping its
// aspect ratio, centred by mass in the contract's side, whatever the polarity; blank pictures refused; the resampler.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PIXELS, SIDE, toModelInput } from '../../src/model/input-contract.js';
import { PreprocessError } from '../../src/imaging/errors.js';
import { croppedInk, greyOf, normaliseDigit, toInk, toMnist, type Rgba } from '../../src/imaging/mnist-normalise.js';
import { axisTaps, resample } from '../../src/imaging/resample.js';

/** A width × height RGBA picture: `paper` everywhere, `ink` inside the rectangle, with the given alpha outside it. */
function rectangle(
  width: number,
  height: number,
  box: { x: number; y: number; w: number; h: number },
  colours: { paper: number; ink: number; paperAlpha?: number },
): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
      const p = 4 * (y * width + x);
      data.fill(inside ? colours.ink : colours.paper, p, p + 3);
      data[p + 3] = inside ? 255 : (colours.paperAlpha ?? 255);
    }
  }
  return { data, width, height };
}

/** The ink's bounding box and centre of mass in a SIDE×SIDE result. */
function geometry(pixels: Uint8Array) {
  let [left, top, right, bottom, mass, mx, my] = [SIDE, SIDE, -1, -1, 0, 0, 0];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = pixels[y * SIDE + x];
      if (!v) continue;
      [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return { width: right - left + 1, height: bottom - top + 1, cx: mx / mass, cy: my / mass };
}

describe('MNIST normalisation geometry', () => {
  const box = { x: 10, y: 40, w: 30, h: 10 };

  it('dark ink on paper, anywhere on the page: fitted into 20×20 keeping its aspect ratio, centred by mass', () => {
    const out = toMnist(rectangle(100, 60, box, { paper: 255, ink: 0 }));
    assert.equal(out.length, PIXELS);
    const g = geometry(out);
    assert.deepEqual([g.width, g.height], [20, 7]);
    assert.ok(Math.abs(g.cx - SIDE / 2) <= 0.5 && Math.abs(g.cy - SIDE / 2) <= 0.5, `centre of mass at (${g.cx}, ${g.cy})`);
  });

  it('white on black and strokes on a transparent canvas give the same input as black on white', () => {
    const reference = toMnist(rectangle(100, 60, box, { paper: 255, ink: 0 }));
    assert.deepEqual(toMnist(rectangle(100, 60, box, { paper: 0, ink: 255 })), reference);
    assert.deepEqual(toMnist(rectangle(100, 60, box, { paper: 0, ink: 0, paperAlpha: 0 })), reference);
  });

  it('a tall thin stroke keeps its shape: 20 high, narrow', () => {
    const g = geometry(toMnist(rectangle(50, 200, { x: 20, y: 10, w: 8, h: 160 }, { paper: 255, ink: 0 })));
    assert.equal(g.height, 20);
    assert.equal(g.width, 1);
  });

  it('a blank picture, or ink too faint to tell from the paper, is no_digit_found', () => {
    for (const picture of [rectangle(40, 40, box, { paper: 255, ink: 255 }), rectangle(60, 60, box, { paper: 200, ink: 180 })]) {
      assert.throws(
        () => toMnist(picture),
        (err) => err instanceof PreprocessError && err.code === 'no_digit_found',
      );
    }
  });

  it('bytes become the model input as byte / 255', () => {
    const bytes = Uint8Array.from([0, 1, 127, 128, 255]);
    assert.deepEqual(Array.from(toModelInput(bytes)), Array.from(Float32Array.from(bytes, (b) => b / 255)));
  });
});

/** `paper` all round, and inside every grey level 0..255 once per row (columns 2..257), so that an edge off by one
 * level moves the box. */
function ramp(paper: number): Rgba {
  const [width, height] = [260, 30];
  const picture = rectangle(width, height, { x: 0, y: 0, w: 0, h: 0 }, { paper, ink: paper });
  for (let y = 2; y < height - 2; y++) for (let x = 2; x < 258; x++) picture.data.fill(x - 2, 4 * (y * width + x), 4 * (y * width + x) + 3);
  return picture;
}

describe('toMnist never inverts in place', () => {
  // /read's photos are inverted in place by toInk (their light is evened out on the ink) before croppedInk; toMnist and
  // /read's clean pictures read the same pixels the other way round instead. Both must give the same bytes, for either
  // polarity, grey levels and a see-through canvas.
  const composed = (picture: Rgba) => {
    const ink = toInk(greyOf(picture));
    return normaliseDigit(croppedInk(ink, { inverted: false, max: ink.max, background: ink.background }));
  };
  const cases: [string, Rgba][] = [
    ['dark on light', rectangle(90, 70, { x: 20, y: 9, w: 31, h: 44 }, { paper: 231, ink: 12 })],
    ['light on dark', rectangle(90, 70, { x: 50, y: 30, w: 9, h: 33 }, { paper: 25, ink: 240 })],
    ['grey paper, faint ink', rectangle(64, 64, { x: 3, y: 3, w: 40, h: 12 }, { paper: 180, ink: 110 })],
    ['see-through canvas', rectangle(60, 80, { x: 10, y: 10, w: 20, h: 50 }, { paper: 0, ink: 0, paperAlpha: 0 })],
    ['every level, light paper', ramp(255)],
    ['every level, dark paper', ramp(0)],
  ];
  for (const [name, picture] of cases) {
    // Grain, so that the level table's steps show.
    if (!name.startsWith('every'))
      for (let p = 0; p < picture.data.length; p += 4) picture.data.fill(picture.data[p] ^ ((p * 7) & 15), p, p + 3);
    it(`${name}: the same bytes as toInk + croppedInk`, () => {
      assert.deepEqual(toMnist(picture), composed(picture));
    });
  }
});

describe('resample', () => {
  it('downscaling averages areas: a 4×2 image to 2×1 gives each half’s mean', () => {
    assert.deepEqual(resample(Uint8Array.from([0, 100, 200, 200, 100, 0, 200, 200]), 4, 2, 2, 1), Uint8Array.from([50, 200]));
  });
  it('a non-integer factor keeps a flat image flat and conserves the mean', () => {
    const flat = resample(new Uint8Array(37 * 23).fill(90), 37, 23, 20, 12);
    assert.ok(flat.every((v) => v === 90));
    const ramp = Uint8Array.from({ length: 30 }, (_, i) => i * 8);
    const out = resample(ramp, 30, 1, 7, 1);
    const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean(out) - mean(ramp)) < 1);
  });
  it('upscaling interpolates linearly between pixel centres and keeps the ends', () => {
    assert.deepEqual(resample(Uint8Array.from([0, 200]), 2, 1, 4, 1), Uint8Array.from([0, 50, 150, 200]));
    assert.deepEqual(resample(Uint8Array.from([77]), 1, 1, 3, 2), new Uint8Array(6).fill(77));
  });
});

describe('the WebAssembly passes of normalisation (assembly/normalise.ts)', () => {
  // A seeded stream, so that a failure repeats.
  const random = (seed: number) => () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

  it('the ink box and the mapped crop are those of a plain per-pixel pass, whatever the width (16 bytes a step, and the rest)', () => {
    const next = random(19);
    for (let t = 0; t < 400; t++) {
      const width = 1 + Math.floor(next() * 70);
      const height = 1 + Math.floor(next() * 40);
      const background = Math.floor(next() * 60);
      const data = new Uint8Array(width * height).map(() => background + Math.floor(next() * 8));
      // A few strokes anywhere, the last columns and rows included.
      for (let k = 1 + Math.floor(next() * 5); k > 0; k--) data[Math.floor(next() * data.length)] = 120 + Math.floor(next() * 136);
      // MNIST's levels as the issue defines them: background at 0, the strongest ink at 255, paper grain below 15 % gone.
      const level = (v: number) => {
        const x = (v - background) / (255 - background);
        return x > (background > 0 ? 0.15 : 0) ? Math.round(Math.min(1, x) * 255) : 0;
      };
      let [left, top, right, bottom] = [width, height, -1, -1];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (level(data[y * width + x]) === 0) continue;
          [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
        }
      }
      const box = { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
      const expected = Uint8Array.from({ length: box.width * box.height }, (_, i) =>
        level(data[(top + Math.floor(i / box.width)) * width + left + (i % box.width)]),
      );
      // Every other case as dark ink on paper, which is scanned and mapped the other way round, never inverted.
      const inverted = t % 2 === 1;
      const crop = croppedInk({ data: inverted ? data.map((v) => 255 - v) : data, width, height }, { inverted, max: 255, background });
      assert.deepEqual({ x: crop.x, y: crop.y, width: crop.width, height: crop.height }, box, `${width}×${height}, case ${t}`);
      assert.deepEqual(crop.data, expected);
    }
  });

  it('resample gives the bytes of the same two passes in JavaScript doubles, down and up, to the last rounding', () => {
    // The passes over the same taps as JavaScript does them: the resampler's output feeds training and the model, so not
    // one byte may move.
    const reference = (src: Uint8Array, width: number, height: number, toWidth: number, toHeight: number) => {
      const [xs, ys] = [axisTaps(width, toWidth), axisTaps(height, toHeight)];
      const rows = new Float32Array(toWidth * height);
      for (let y = 0; y < height; y++) {
        for (let j = 0; j < toWidth; j++)
          rows[y * toWidth + j] = xs[j].weights.reduce((sum, w, k) => sum + w * src[y * width + xs[j].start + k], 0);
      }
      const out = new Uint8Array(toWidth * toHeight);
      for (let i = 0; i < toHeight; i++) {
        for (let x = 0; x < toWidth; x++) {
          const sum = ys[i].weights.reduce((s, w, k) => s + w * rows[(ys[i].start + k) * toWidth + x], 0);
          out[i * toWidth + x] = Math.min(255, Math.max(0, Math.round(sum)));
        }
      }
      return out;
    };
    const next = random(2026);
    for (let t = 0; t < 300; t++) {
      const [width, height] = [1 + Math.floor(next() * 200), 1 + Math.floor(next() * 200)];
      const [toWidth, toHeight] = [1 + Math.floor(next() * (t % 3 ? 28 : 260)), 1 + Math.floor(next() * (t % 3 ? 28 : 260))];
      const src = new Uint8Array(width * height).map(() => (next() < 0.5 ? 0 : Math.floor(next() * 256)));
      assert.deepEqual(
        resample(src, width, height, toWidth, toHeight),
        reference(src, width, height, toWidth, toHeight),
        `${width}×${height} → ${toWidth}×${toHeight}`,
      );
    }
  });
});
