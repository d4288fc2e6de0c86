// The held-out report composer (#36): the same seed makes the same pictures, each set's pictures are what it says
// (format, orientation, transparency, digits), and every held-out font is installed rather than pango's fallback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { checkHeldOutFonts, HELD_OUT_FONTS, heldOutSample, heldOutSet } from '../src/synth/heldout/index.js';
import { loadMnist } from '../src/train/mnist.js';

const { test: mnist, train } = loadMnist();

describe('held-out composer', () => {
  it('makes the same picture from the same seed, and a different one from another seed', async () => {
    for (const set of ['spaced', 'photo', 'fonts'] as const) {
      const [a, b, c] = [await heldOutSample(set, 3, mnist), await heldOutSample(set, 3, mnist), await heldOutSample(set, 3, mnist, 7)];
      assert.ok(a.picture.equals(b.picture), set);
      assert.equal(a.text, b.text);
      assert.ok(!a.picture.equals(c.picture), set);
    }
  });

  it('refuses a training split: the report role is MNIST test only', async () => {
    await assert.rejects(heldOutSet('spaced', 1, train), /MNIST test/);
  });

  it('has every held-out font installed (a missing one would be drawn in the fallback font)', async () => {
    await checkHeldOutFonts();
  });

  it('makes what each set says: paper and canvas PNGs (the canvas transparent), photos as JPEG, boxes inside the picture', async () => {
    const sideways = [];
    for (const set of ['spaced', 'touching', 'photo', 'canvas', 'fonts'] as const) {
      for (const s of await heldOutSet(set, 6, mnist)) {
        assert.match(s.text, /^\d{3,10}$/);
        const meta = await sharp(s.picture).metadata();
        assert.equal(meta.format, s.type === 'image/png' ? 'png' : 'jpeg');
        if (set === 'photo') assert.equal(s.type, 'image/jpeg');
        if (set === 'canvas') {
          assert.equal(meta.channels, 4);
          const { data } = await sharp(s.picture).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
          assert.equal(data[0], 0, 'the corner is transparent');
        }
        if (set === 'fonts') assert.equal(s.font, HELD_OUT_FONTS[s.index % HELD_OUT_FONTS.length]);
        if ((meta.orientation ?? 1) !== 1) sideways.push(s);
        if (s.boxes) {
          assert.equal(s.boxes.length, s.text.length);
          for (const b of s.boxes)
            assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= meta.width! && b.y + b.height <= meta.height!, JSON.stringify(b));
          for (let i = 1; i < s.boxes.length; i++) assert.ok(s.boxes[i].x > s.boxes[i - 1].x, 'boxes left to right');
        }
      }
    }
    assert.ok(sideways.length > 0, 'some photos are stored sideways with an EXIF orientation');
  });
});
