// A phone photo of a number on paper under uneven light, modelled as the light is rather than painted on: what the
// camera records is exposure × illumination × reflectance, plus sensor noise, through a gamma tone curve, defocus and
// JPEG. The illumination is a lamp's direct light, falling off across the sheet and partly blocked by an occluder (a
// hand, the phone) whose shadow's soft edge is the share of an extended light source that a point of the paper still
// sees, plus the room's ambient light (bluer than the lamp), all darkened towards the corners by the lens (vignette).
// The ink is a reflectance too (dark ballpoint to faint pencil), so a shadow dims ink and paper alike.
import sharp from 'sharp';
import type { Box } from '../imaging/box.js';

type Rgb = [number, number, number];
type Rng = () => number;
/** A number laid out as white-on-black ink (numbers.ts's Number_), with each digit's box. */
interface InkLine {
  ink: Uint8Array;
  width: number;
  height: number;
  boxes: Box[];
}

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const logBetween = (rng: Rng, lo: number, hi: number) => lo * Math.pow(hi / lo, rng());
const gaussian = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/** The share of a disc-shaped light source seen from a point at signed distance `s` (lit side positive) from the
 * occluder's edge, for a penumbra `width` wide: the disc's area on the lit side of a line through it. */
export function seenShare(s: number, width: number): number {
  const t = Math.max(-1, Math.min(1, (2 * s) / width));
  return 1 - (Math.acos(t) - t * Math.sqrt(1 - t * t)) / Math.PI;
}

/** The lighting of a `width` × `height` photo, per pixel and channel, in linear light relative to the lamp's full
 * direct light at the sheet's centre. */
function illumination(width: number, height: number, rng: Rng): Float32Array {
  const lamp: Rgb = [1, between(rng, 0.86, 1), between(rng, 0.7, 1)]; // tungsten to daylight
  const room: Rgb = [between(rng, 0.8, 0.95), between(rng, 0.9, 1), 1]; // ambient light from the room and sky
  const ambient = between(rng, 0.25, 1.2); // the umbra keeps ambient ÷ (1 + ambient) of the light: 20–55 %
  // The lamp off to one side: its light falls off across the sheet, roughly linearly over a photo's field.
  const fallAngle = between(rng, 0, 2 * Math.PI);
  const fall = between(rng, 0, 0.35);
  // The occluder's edge: a line (a phone's side) or a curve (a hand), across the picture in any direction, shading
  // 15–70 % of it; its penumbra from a tenth to most of the picture's long side wide.
  const side = Math.max(width, height);
  const edgeAngle = between(rng, 0, 2 * Math.PI);
  const [nx, ny] = [Math.cos(edgeAngle), Math.sin(edgeAngle)];
  const reach = (Math.abs(nx) * width + Math.abs(ny) * height) / 2; // the picture spans −reach..reach along the normal
  const edgeAt = reach * (1 - 2 * between(rng, 0.15, 0.7));
  const bend = rng() < 0.5 ? between(rng, -1, 1) / side : 0;
  const penumbra = logBetween(rng, 0.1, 0.7) * side;
  // The lens: light falls off away from the optical axis (cos⁴), which lies somewhere in this crop of the frame.
  const vignette = between(rng, 0, 0.35);
  const [cx, cy] = [between(rng, 0.2, 0.8) * width, between(rng, 0.2, 0.8) * height];
  const halfDiagonal = Math.hypot(width, height) / 2;
  const light = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = [x - width / 2, y - height / 2];
      const along = u * nx + v * ny;
      const across = -u * ny + v * nx;
      const seen = seenShare(along - edgeAt + bend * across * across, penumbra);
      const direct = seen * Math.max(0, 1 + fall * ((u * Math.cos(fallAngle) + v * Math.sin(fallAngle)) / halfDiagonal));
      const r2 = ((x - cx) ** 2 + (y - cy) ** 2) / (halfDiagonal * halfDiagonal);
      const lens = 1 - vignette * Math.min(1, r2);
      for (let c = 0; c < 3; c++) light[3 * (y * width + x) + c] = lens * (direct * lamp[c] + ambient * room[c]);
    }
  }
  // The camera balances white on the lit paper (a little off): the lamp's colour is divided out, not the room's.
  const balance = lamp.map((l) => l * (1 + ambient) * (1 + 0.03 * gaussian(rng)));
  for (let i = 0; i < light.length; i++) light[i] /= balance[i % 3];
  return light;
}

/** The ink map tilted by a hand-held phone (up to ±5°) and framed by more paper on each side. */
async function framedInk(n: InkLine, rng: Rng): Promise<{ ink: Uint8Array; width: number; height: number }> {
  const tilted = await sharp(Buffer.from(n.ink), { raw: { width: n.width, height: n.height, channels: 1 } })
    .rotate(between(rng, -5, 5), { background: '#000000' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const digit = Math.max(...n.boxes.map((b) => b.height));
  const [left, right, top, bottom] = Array.from({ length: 4 }, () => Math.round(between(rng, 0, 1.2) * digit));
  const width = tilted.info.width + left + right;
  const height = tilted.info.height + top + bottom;
  const ink = new Uint8Array(width * height);
  for (let y = 0; y < tilted.info.height; y++) {
    ink.set(tilted.data.subarray(y * tilted.info.width, (y + 1) * tilted.info.width), (y + top) * width + left);
  }
  return { ink, width, height };
}

/**
 * A phone photo of the number on paper under a lamp, with a soft-edged shadow of a hand or the phone over 15–70 % of
 * it, light falling off across the sheet and towards the corners, ink from dark ballpoint to faint pencil, sensor
 * noise, gamma, defocus and JPEG at quality 55–90.
 */
export async function shadowedPhotoJpeg(n: InkLine, rng: Rng): Promise<Buffer> {
  const { ink, width, height } = await framedInk(n, rng);
  const light = illumination(width, height, rng);
  const paperLevel = between(rng, 0.72, 0.92);
  const paper: Rgb = [paperLevel, paperLevel * between(rng, 0.97, 1), paperLevel * between(rng, 0.92, 1)];
  // Ink reflects this share of what the paper does: a ballpoint or felt tip 5–25 %, a pencil up to 50 %.
  const depth = rng() < 0.3 ? between(rng, 0.3, 0.5) : between(rng, 0.05, 0.25);
  const hue: Rgb = rng() < 0.4 ? [0.6, 0.75, 1.6] : [1, 1, 1]; // blue ink, or black/grey
  const exposure = between(rng, 0.8, 1.05) / paperLevel; // auto-exposure puts lit paper near the top of the range
  const shot = logBetween(rng, 3e-4, 3e-3);
  const read = logBetween(rng, 1e-3, 8e-3);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const cover = ink[i] / 255;
    const grain = gaussian(rng); // mostly luminance noise, as a phone's denoised output is
    for (let c = 0; c < 3; c++) {
      const reflectance = paper[c] * (1 - cover + cover * Math.min(1, depth * hue[c]));
      const signal = exposure * light[3 * i + c] * reflectance;
      const noisy = signal + Math.sqrt(shot * Math.max(0, signal) + read * read) * (0.8 * grain + 0.6 * gaussian(rng));
      rgb[3 * i + c] = Math.round(255 * Math.pow(Math.max(0, Math.min(1, noisy)), 1 / 2.2));
    }
  }
  return sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } })
    .blur(between(rng, 0.4, 1.3))
    .jpeg({ quality: Math.floor(between(rng, 55, 91)), chromaSubsampling: '4:2:0' })
    .toBuffer();
}
