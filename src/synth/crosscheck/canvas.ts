// The `canvas` set: a number drawn with a mouse or finger on a web page's canvas, an RGBA PNG with transparent ground.
import type { Split } from '../mnist-split.js';
import { encode } from './encode.js';
import { writeLine } from './line.js';
import { drawCanvasColour } from './palette.js';
import { createLayer, MAX_HEIGHT, MAX_WIDTH, resize, rotateLayer } from './raster.js';
import type { Rng } from './rng.js';
import { drawWriter } from './writer.js';

/** Canvas sizes pages often use; the number goes in the first that holds it, else the canvas fits the number. */
const CANVAS_SIZES = [
  [280, 280],
  [400, 200],
  [500, 250],
  [600, 200],
  [800, 300],
  [1000, 400],
] as const;

export async function canvasPicture(text: string, split: Split, rng: Rng): Promise<Buffer> {
  const spacing = rng.chance(0.7) ? 'spaced' : 'touching';
  const writer = drawWriter(rng, { minHeight: 24, maxHeight: 120, spacing, canvas: true }, text.length, MAX_WIDTH * 0.85);
  const line = writeLine(text, split, writer, rng);
  let ink = rotateLayer(line.ink, writer.tilt * 1.5);
  if (ink.width > MAX_WIDTH - 8 || ink.height > MAX_HEIGHT - 8) {
    const s = Math.min((MAX_WIDTH - 8) / ink.width, (MAX_HEIGHT - 8) / ink.height);
    ink = resize(ink, Math.floor(ink.width * s), Math.floor(ink.height * s));
  }
  const H = line.height;
  const fixed = rng.chance(0.5) ? CANVAS_SIZES.find(([w, h]) => w >= ink.width + 8 && h >= ink.height + 8) : undefined;
  const width = fixed ? fixed[0] : Math.min(MAX_WIDTH, ink.width + Math.round(H * rng.uniform(0.3, 2.5)) + 4);
  const height = fixed ? fixed[1] : Math.min(MAX_HEIGHT, ink.height + Math.round(H * rng.uniform(0.3, 1.8)) + 4);
  // People rarely centre what they draw: the number lands anywhere that holds it, leaning to the middle.
  const left = Math.round(((width - ink.width) * (rng.next() + rng.next())) / 2);
  const top = Math.round(((height - ink.height) * (rng.next() + rng.next())) / 2);
  const colour = drawCanvasColour(rng);
  const planes = [createLayer(width, height), createLayer(width, height), createLayer(width, height), createLayer(width, height)];
  for (let y = 0; y < ink.height; y++)
    for (let x = 0; x < ink.width; x++) {
      const a = Math.min(1, ink.data[y * ink.width + x]);
      if (a <= 0) continue;
      const i = (y + top) * width + (x + left);
      for (let c = 0; c < 3; c++) planes[c].data[i] = colour[c];
      planes[3].data[i] = a * 255;
    }
  // A canvas's transparent pixels read back as (0, 0, 0, 0); so do pixels whose alpha rounds to nothing.
  for (let i = 0; i < width * height; i++) if (planes[3].data[i] < 0.5) for (let c = 0; c < 3; c++) planes[c].data[i] = 0;
  return encode(planes, { kind: 'png' });
}
