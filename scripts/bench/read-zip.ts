// The picture bench:read's throughput part sends (and scripts/read-cost.ts reads in process): a zip code as people
// write it, five MNIST test digits on a 400×120 strip of paper.
import sharp from 'sharp';
import type { Split } from '../../src/train/mnist.js';
import { compose, mnistGlyph, paperPng, seeded } from '../../src/synth/numbers.js';

export const readZip = async (mnist: Split): Promise<Buffer> =>
  sharp(
    await paperPng(
      compose(
        [3, 2, 1, 18, 4].map((i) => mnistGlyph(mnist, i)),
        56,
        () => 0.45,
        seeded(94110),
        20,
      ),
    ),
  )
    .resize(400, 120, { fit: 'contain', background: '#ffffff' })
    .png()
    .toBuffer();
