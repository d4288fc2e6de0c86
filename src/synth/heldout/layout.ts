// Glyphs laid along one line by libvips' composite (the brighter ink wins where two overlap): each digit at its own
// size, its bottom on a baseline that drifts, the gap to the next drawn by the set's own distribution.
import sharp from 'sharp';
import type { Box } from '../../imaging/box.js';
import type { Draw } from './draw.js';
import { cropInk, type Ink } from './glyph.js';

/** A number as white ink on black, its true text and (where the composer knows them) each digit's ink box. */
export interface Line {
  ink: Ink;
  text: string;
  boxes?: Box[];
}

export interface Spacing {
  /** The line's digit height in pixels (the gaps and the drift are shares of it). */
  height: number;
  /** The next gap between two digits' ink, as a share of the height; negative overlaps. */
  gap: () => number;
  /** The baseline's rise per unit of height along the line (a line written uphill or down). */
  slope: number;
  /** Each digit's own step off the baseline, sd as a share of the height. */
  bounce: number;
}

export async function layLine(glyphs: Ink[], labels: number[], spacing: Spacing, draw: Draw): Promise<Line> {
  const { height: h } = spacing;
  const xs: number[] = [];
  let x = 0;
  glyphs.forEach((g, i) => {
    if (i > 0) {
      // Overlap never swallows more than half the narrower neighbour: beyond that no one could read it either.
      const step = Math.round(spacing.gap() * h);
      x = Math.max(x + step, xs[i - 1] + Math.ceil(0.5 * Math.min(g.width, glyphs[i - 1].width)));
    }
    xs.push(x);
    x += g.width;
  });
  const bottoms = glyphs.map((_, i) => xs[i] * spacing.slope + draw.gaussian(spacing.bounce) * h);
  const top = Math.min(...glyphs.map((g, i) => bottoms[i] - g.height));
  const bottom = Math.max(...bottoms);
  const margin = 2;
  const width = x + 2 * margin;
  const rows = Math.ceil(bottom - top) + 2 * margin;
  const boxes = glyphs.map((g, i) => ({
    x: xs[i] + margin,
    y: Math.round(bottoms[i] - g.height - top) + margin,
    width: g.width,
    height: g.height,
  }));
  const { data, info } = await sharp({ create: { width, height: rows, channels: 3, background: '#000000' } })
    .composite(
      glyphs.map((g, i) => ({
        input: Buffer.from(g.data.buffer, g.data.byteOffset, g.data.length),
        raw: { width: g.width, height: g.height, channels: 1 as const },
        left: boxes[i].x,
        top: boxes[i].y,
        blend: 'lighten' as const,
      })),
    )
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ink = cropInk({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height }, 1);
  const shifted = boxes.map((b) => ({ ...b, x: b.x - ink.left, y: b.y - ink.top }));
  return { ink: { data: ink.data, width: ink.width, height: ink.height }, text: labels.join(''), boxes: shifted };
}
