// The `photo` set: a phone's picture of the written sheet, tilted and turned, unevenly lit, soft, grainy, as a JPEG.
import type { Split } from '../mnist-split.js';
import { encode } from './encode.js';
import { apply, homography, type Point } from './homography.js';
import { writeLine } from './line.js';
import { drawDesk } from './palette.js';
import { paperSheet, scanFinish } from './paper.js';
import { clamp, createLayer, MAX_HEIGHT, MAX_WIDTH, smoothField, type Layer } from './raster.js';
import type { Rng } from './rng.js';
import { drawWriter } from './writer.js';

export async function photoPicture(text: string, split: Split, rng: Rng): Promise<Buffer> {
  const spacing = rng.chance(0.65) ? 'spaced' : 'touching';
  const writer = drawWriter(rng, { minHeight: 20, maxHeight: 90, spacing }, text.length, MAX_WIDTH * 0.6);
  const line = writeLine(text, split, writer, rng);
  const sheet = paperSheet(line, rng, {
    margin: [0.7, 3],
    maxWidth: MAX_WIDTH,
    maxHeight: MAX_HEIGHT,
    tilt: writer.tilt,
    pencil: writer.pencil,
  });
  const sw = sheet.planes[0].width;
  const sh = sheet.planes[0].height;
  const zoom = rng.uniform(0.8, 1.1);
  const width = clamp(Math.round(sw * zoom), 16, MAX_WIDTH);
  const height = clamp(Math.round(sh * zoom), 16, MAX_HEIGHT);
  const toSheet = frameToSheet(sheet.inkBox, sw, sh, width, height, rng);
  const frame = warp(sheet.planes, toSheet, width, height, rng);
  light(frame, rng);
  // Focus blur in proportion to the writing, so a small number stays as legible as a phone leaves it.
  const soft = Math.min(1, Math.max(0.4, (line.height * zoom) / 50));
  scanFinish(frame, rng, rng.uniform(0.5, 1.6) * soft, rng.uniform(1.5, 6.5));
  return encode(frame, { kind: 'jpeg', quality: rng.int(60, 92) });
}

/** The map from frame pixels to sheet pixels: the sheet turned a few degrees and seen at a slant, ink kept in frame. */
function frameToSheet(
  ink: { x: number; y: number; width: number; height: number },
  sw: number,
  sh: number,
  width: number,
  height: number,
  rng: Rng,
) {
  const desk = rng.chance(0.35);
  const turn = rng.chance(0.25) ? rng.uniform(-0.12, 0.12) : rng.uniform(-0.035, 0.035);
  const inset = desk ? rng.uniform(0.03, 0.12) : -rng.uniform(0.02, 0.1);
  const keystone = rng.uniform(0.01, 0.07);
  const jitters = Array.from({ length: 4 }, () => [rng.normal(0, 1), rng.normal(0, 1)] as const);
  const sheetCorners: Point[] = [
    [0, 0],
    [sw, 0],
    [sw, sh],
    [0, sh],
  ];
  const inkCorners: Point[] = [
    [ink.x, ink.y],
    [ink.x + ink.width, ink.y],
    [ink.x + ink.width, ink.y + ink.height],
    [ink.x, ink.y + ink.height],
  ];
  // Smaller slants and turns until every corner of the ink's box lands inside the frame.
  for (let soften = 1; ; soften *= 0.6) {
    const cx = width / 2;
    const cy = height / 2;
    const cos = Math.cos(turn * soften);
    const sin = Math.sin(turn * soften);
    const corners: Point[] = sheetCorners.map(([x, y], k) => {
      const u = (x / sw - 0.5) * (1 - 2 * inset * soften) * width + jitters[k][0] * keystone * soften * width;
      const v = (y / sh - 0.5) * (1 - 2 * inset * soften) * height + jitters[k][1] * keystone * soften * height;
      return [cx + cos * u - sin * v, cy + sin * u + cos * v];
    });
    const toFrame = homography(sheetCorners, corners);
    const inside = inkCorners.every((p) => {
      const [x, y] = apply(toFrame, p[0], p[1]);
      return x >= 2 && y >= 2 && x <= width - 2 && y <= height - 2;
    });
    if (inside || soften < 0.02) return homography(corners, sheetCorners);
  }
}

/** The frame: the sheet where it lies, the desk round it, the sheet's edge antialiased. */
function warp(planes: Layer[], toSheet: Float64Array, width: number, height: number, rng: Rng): Layer[] {
  const desk = drawDesk(rng);
  const grain = smoothField(rng, 5, Math.max(width, height) / 6).grid(width, height);
  const sw = planes[0].width;
  const sh = planes[0].height;
  const out = [createLayer(width, height), createLayer(width, height), createLayer(width, height)];
  const h = toSheet;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const w = h[6] * px + h[7] * py + h[8];
      const u = (h[0] * px + h[1] * py + h[2]) / w;
      const v = (h[3] * px + h[4] * py + h[5]) / w;
      const inside = clamp(Math.min(u, v, sw - u, sh - v) + 0.5, 0, 1);
      const deskShade = 8 * grain.data[y * width + x];
      // One set of bilinear taps for the three channels, the edge repeated outside the sheet.
      const sx = clamp(u - 0.5, 0, sw - 1.001);
      const sy = clamp(v - 0.5, 0, sh - 1.001);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * sw + x0;
      const o = y * width + x;
      for (let c = 0; c < 3; c++) {
        const d = planes[c].data;
        const paper = inside > 0 ? (d[i] * (1 - fx) + d[i + 1] * fx) * (1 - fy) + (d[i + sw] * (1 - fx) + d[i + sw + 1] * fx) * fy : 0;
        out[c].data[o] = paper * inside + (desk[c] + deskShade) * (1 - inside);
      }
    }
  return out;
}

/** Room light on the sheet: a gradient, darker corners, at times a soft shadow of the phone or hand, a colour cast. */
function light(planes: Layer[], rng: Rng): void {
  const { width, height } = planes[0];
  const level = rng.uniform(0.72, 1.02);
  const angle = rng.uniform(0, 2 * Math.PI);
  const slope = rng.uniform(0, 0.25);
  const vignette = rng.uniform(0, 0.35);
  const shadow = rng.chance(0.45);
  const shadowAngle = rng.uniform(0, 2 * Math.PI);
  const shadowAt = rng.uniform(0.1, 0.45);
  const shadowDepth = rng.uniform(0.15, 0.45);
  const shadowSoft = rng.uniform(0.04, 0.25);
  const cast = rng.weighted([
    [[1.03, 1, 0.9], 35],
    [[0.95, 1, 1.06], 20],
    [[1, 1, 1], 45],
  ] as const);
  const lift = rng.uniform(5, 35);
  const diag = Math.hypot(width, height);
  const [gx, gy] = [Math.cos(angle), Math.sin(angle)];
  const [sx, sy] = [Math.cos(shadowAngle), Math.sin(shadowAngle)];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const u = (x - width / 2) / diag;
      const v = (y - height / 2) / diag;
      let l = level * (1 + slope * 2 * (u * gx + v * gy)) * (1 - vignette * 4 * (u * u + v * v));
      if (shadow) {
        // A half-plane across one side of the frame, its edge blurred as a shadow from a broad source is.
        const d = (u * sx + v * sy - (0.5 - shadowAt)) / shadowSoft;
        l *= 1 - shadowDepth / (1 + Math.exp(-4 * d));
      }
      for (let c = 0; c < 3; c++) {
        const i = y * width + x;
        planes[c].data[i] = lift + (planes[c].data[i] * l * cast[c] * (255 - lift)) / 255;
      }
    }
}
