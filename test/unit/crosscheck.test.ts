// The crosscheck composer (src/synth/crosscheck): pictures fixed by (seed, set, index), texts of allowed lengths, and
// each set in the format it stands for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { CROSSCHECK_SETS, crosscheckSet } from '../../src/synth/crosscheck/index.js';
import { LINE_PACKAGED_FONTS } from '../../src/synth/packaged-fonts.js';
import { loadMnist } from '../../src/train/mnist.js';

const { train } = loadMnist();
const validation = { images: train.images.subarray(55000 * 784), labels: train.labels.subarray(55000), count: train.count - 55000 };

describe('crosscheck composer', () => {
  for (const set of CROSSCHECK_SETS) {
    it(`${set}: same seed gives the same bytes, a prefix is stable, another seed differs`, async () => {
      const six = await crosscheckSet(set, 6, 11, validation);
      const three = await crosscheckSet(set, 3, 11, validation);
      const again = await crosscheckSet(set, 6, 11, validation);
      const other = await crosscheckSet(set, 3, 12, validation);
      assert.equal(six.length, 6);
      for (let i = 0; i < 6; i++) {
        assert.ok(six[i].picture.equals(again[i].picture), `picture ${i} repeats`);
        assert.equal(six[i].text, again[i].text);
      }
      for (let i = 0; i < 3; i++) {
        assert.ok(six[i].picture.equals(three[i].picture), `picture ${i} is the same in a shorter run`);
        assert.equal(six[i].index, i);
        assert.ok(!other[i].picture.equals(six[i].picture), `seed 12's picture ${i} differs from seed 11's`);
      }
    });
  }

  it('texts are 3 to 10 digits, zip lengths 5 and 9 the most common', async () => {
    const samples = await crosscheckSet('canvas', 60, 3, validation);
    for (const s of samples) assert.match(s.text, /^\d{3,10}$/);
    const lengths = samples.map((s) => s.text.length);
    assert.ok(lengths.filter((n) => n === 5).length >= 8, `${lengths.join(',')}`);
    assert.ok(lengths.filter((n) => n === 9).length >= 4, `${lengths.join(',')}`);
  });

  it('each set decodes to its format within the size limits', async () => {
    for (const set of CROSSCHECK_SETS) {
      for (const s of await crosscheckSet(set, 4, 5, validation)) {
        const meta = await sharp(s.picture).metadata();
        assert.ok(meta.width! <= 2000 && meta.height! <= 800, `${set} ${meta.width}×${meta.height}`);
        if (set === 'photo') assert.equal(meta.format, 'jpeg');
        if (set === 'spaced' || set === 'touching' || set === 'canvas') assert.equal(meta.format, 'png');
        if (set === 'fonts') assert.ok(meta.format === 'png' || meta.format === 'jpeg');
        if (set === 'canvas') {
          assert.equal(meta.channels, 4);
          const { data, info } = await sharp(s.picture).raw().toBuffer({ resolveWithObject: true });
          let clear = 0;
          let ink = 0;
          for (let i = 3; i < data.length; i += info.channels) {
            if (data[i] === 0) clear++;
            if (data[i] === 255) ink++;
          }
          assert.ok(clear > 0 && ink > 0, `canvas ${s.index}: ${clear} transparent and ${ink} opaque pixels`);
        }
      }
    }
  });

  it('every fonts picture names a packaged font, and 26 in a row use each once', async () => {
    const samples = await crosscheckSet('fonts', 26, 9, validation);
    const fonts = samples.map((s) => s.font);
    for (const f of fonts) assert.ok((LINE_PACKAGED_FONTS as readonly (string | undefined)[]).includes(f), `${f}`);
    assert.equal(new Set(fonts).size, 26);
  });
});
