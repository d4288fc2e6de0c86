// Pictures from #34's attacks on /read, for test/hostile-load.test.ts and the fuzz corpus.
import sharp from 'sharp';

/** A pseudo-random generator, so that every run sends the same pictures. */
function lcg(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}
/** Black on white from a function of (x, y), as a PNG. */
const greyPng = (width: number, height: number, ink: (x: number, y: number) => boolean) => {
  const data = Buffer.alloc(width * height, 255);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (ink(x, y)) data[y * width + x] = 0;
  return sharp(data, { raw: { width, height, channels: 1 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
};
/** ~150,000 dashes 6 px long (14 KB): each a mark the reader must consider; the spread of their areas overflowed the
 * stack (a 500), and comparing each with every unit started took hours. */
export const manyMarks = () => greyPng(2048, 1024, (x, y) => y % 2 === 0 && x % 7 < 6 && x < 2044);
/** Bands of noise (21 KB): ~350–500 ms of the reader's work on this machine, all of it on the event loop before. */
export const noiseBands = () => {
  const random = lcg(1);
  return greyPng(1024, 512, (_x, y) => Math.floor(y / 16) % 2 === 0 && random() < 0.5);
};
/** Noise the size of a zip code (400×120, 4 KB): its reading takes ~40–70 ms, about ten times the work the event loop
 * gives one picture (READ_INLINE_PIXELS), most of it after the ink is found (cutting and measuring candidates). */
export const noiseLine = () => {
  const random = lcg(1);
  return greyPng(400, 120, () => random() < 0.5);
};
