// The colours people write with and write on: pens, pencils, papers and desks, as they come out in pictures.
import type { Rng } from './rng.js';

export type Rgb = readonly [number, number, number];

/** Ink as it lands on paper: ballpoint blues and blacks most, a pencil grey, now and then red or green. */
export function drawInk(rng: Rng, pencil: boolean): Rgb {
  if (pencil) {
    const g = rng.uniform(70, 115);
    return [g, g, g + rng.uniform(0, 8)];
  }
  const base = rng.weighted<Rgb>([
    [[22, 22, 28], 40],
    [[25, 40, 120], 30],
    [[35, 60, 160], 12],
    [[15, 25, 70], 8],
    [[160, 25, 30], 5],
    [[20, 90, 50], 5],
  ]);
  return [base[0] + rng.normal(0, 6), base[1] + rng.normal(0, 6), base[2] + rng.normal(0, 8)];
}

/** Paper: white printer sheets most, then cream, recycled grey, a yellow pad, a blue-white notebook. */
export function drawPaper(rng: Rng): Rgb {
  const base = rng.weighted<Rgb>([
    [[250, 250, 248], 45],
    [[246, 241, 226], 18],
    [[232, 230, 224], 12],
    [[252, 243, 178], 7],
    [[242, 246, 250], 18],
  ]);
  const shade = rng.normal(0, 3);
  return [base[0] + shade, base[1] + shade, base[2] + shade];
}

/** Rules printed on notebook paper: pale blue most, grey, pale green. */
export function drawRule(rng: Rng): Rgb {
  return rng.weighted<Rgb>([
    [[150, 180, 225], 60],
    [[175, 175, 180], 25],
    [[160, 205, 170], 15],
  ]);
}

/** What lies under the paper in a photo: a wooden desk, a grey or dark table, a white one. */
export function drawDesk(rng: Rng): Rgb {
  const base = rng.weighted<Rgb>([
    [[140, 100, 65], 30],
    [[95, 95, 100], 25],
    [[40, 40, 45], 25],
    [[215, 215, 210], 20],
  ]);
  return [base[0] + rng.normal(0, 10), base[1] + rng.normal(0, 10), base[2] + rng.normal(0, 10)];
}

/** Stroke colours a drawing page offers: black most, then the usual swatches. */
export function drawCanvasColour(rng: Rng): Rgb {
  return rng.weighted<Rgb>([
    [[0, 0, 0], 50],
    [[30, 30, 30], 8],
    [[29, 78, 216], 12],
    [[220, 38, 38], 8],
    [[22, 163, 74], 7],
    [[124, 58, 237], 6],
    [[0, 0, 255], 5],
    [[234, 88, 12], 4],
  ]);
}
