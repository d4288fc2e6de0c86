// The `spaced` and `touching` sets: a number written on paper and scanned, dark ink on a light page, as a PNG.
import type { Split } from '../mnist-split.js';
import { encode } from './encode.js';
import { writeLine } from './line.js';
import { paperSheet, scanFinish } from './paper.js';
import { createLayer, MAX_HEIGHT, MAX_WIDTH } from './raster.js';
import type { Rng } from './rng.js';
import { drawWriter, type Spacing } from './writer.js';

export async function scanPicture(text: string, split: Split, spacing: Spacing, rng: Rng): Promise<Buffer> {
  const writer = drawWriter(rng, { minHeight: 20, maxHeight: 115, spacing }, text.length, MAX_WIDTH * 0.9);
  const line = writeLine(text, split, writer, rng);
  const sheet = paperSheet(line, rng, {
    margin: [0.2, 1.1],
    maxWidth: MAX_WIDTH,
    maxHeight: MAX_HEIGHT,
    tilt: writer.tilt,
    pencil: writer.pencil,
  });
  // Softness in proportion to the writing: a small number scanned sharp, a large one as a low-resolution scan blown up.
  const soft = Math.min(1, Math.max(0.35, line.height / 60));
  scanFinish(sheet.planes, rng, rng.uniform(0.2, 1.0) * soft, rng.uniform(0.8, 4));
  if (rng.chance(0.25)) {
    // A scanner set to greyscale: one channel, as office scanners often send.
    const [r, g, b] = sheet.planes;
    const grey = createLayer(r.width, r.height);
    for (let i = 0; i < grey.data.length; i++) grey.data[i] = 0.299 * r.data[i] + 0.587 * g.data[i] + 0.114 * b.data[i];
    return encode([grey], { kind: 'png' });
  }
  return encode(sheet.planes, { kind: 'png' });
}
