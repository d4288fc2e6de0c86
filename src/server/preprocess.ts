// From an uploaded picture to the model's input: 28×28 floats in [0,1], white digit on black, normalised as MNIST was
// (LeCun et al.): the ink's bounding box fitted into 20×20 with its aspect ratio kept, then placed in 28×28 so that its
// centre of mass sits at the centre. sharp decodes every format and does the resizing; TypeScript does the rest.
import sharp from 'sharp';
import { HttpError } from './errors.js';

export const SIDE = 28;
const BOX = 20;
/** Large pictures are reduced to this before any per-pixel work: plenty for a 20×20 result, and bounded cost. */
const WORKING_SIZE = 512;
/** Less contrast than this (out of 255) between ink and background is treated as a blank picture. */
const MIN_CONTRAST = 40;

export interface PreprocessOptions {
  maxPixels: number;
}

/** A greyscale ink map: 0 = background, 255 = full ink. */
interface InkMap {
  data: Uint8Array;
  width: number;
  height: number;
}

export async function decodeRgba(input: Buffer, opts: PreprocessOptions) {
  try {
    return await sharp(input, { limitInputPixels: opts.maxPixels })
      .rotate() // honour EXIF orientation (phone photos)
      .resize({ width: WORKING_SIZE, height: WORKING_SIZE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const message = (err as Error).message;
    if (/unsupported image format/i.test(message)) {
      throw new HttpError(415, 'unsupported_image_format', 'the body is not an image in a supported format (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG)');
    }
    if (/pixel limit/i.test(message)) {
      throw new HttpError(413, 'image_too_large', `the image has more than ${opts.maxPixels} pixels`);
    }
    throw new HttpError(400, 'invalid_image', `the image could not be decoded: ${message}`);
  }
}

/** Ink intensity per pixel, whatever the picture's polarity or transparency. */
export function toInk(rgba: Uint8Array, width: number, height: number): InkMap {
  const n = width * height;
  const ink = new Uint8Array(n);
  let transparent = false;
  for (let i = 0; i < n; i++) if (rgba[4 * i + 3] < 250) transparent = true;
  if (transparent) {
    // Strokes on a transparent canvas: the alpha channel is the ink, whatever colour it was drawn in.
    for (let i = 0; i < n; i++) ink[i] = rgba[4 * i + 3];
    return { data: ink, width, height };
  }
  let borderSum = 0;
  let borderCount = 0;
  for (let i = 0; i < n; i++) {
    const lum = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
    ink[i] = lum;
    const x = i % width;
    const y = (i / width) | 0;
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
      borderSum += lum;
      borderCount++;
    }
  }
  // Paper is light and the border is mostly paper: dark ink on light paper is inverted to MNIST's white on black.
  if (borderSum / borderCount > 127) for (let i = 0; i < n; i++) ink[i] = 255 - ink[i];
  return { data: ink, width, height };
}

/** Background level (the border's median), ink stretched to the full 0..255 range, faint noise on paper removed. */
function normalise(map: InkMap): InkMap {
  const { data, width, height } = map;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(data[x], data[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) border.push(data[y * width], data[y * width + width - 1]);
  border.sort((a, b) => a - b);
  const background = border[border.length >> 1];
  let max = 0;
  for (const v of data) if (v > max) max = v;
  const range = max - background;
  if (range < MIN_CONTRAST) throw new HttpError(422, 'no_digit_found', 'the image is blank: no ink stands out from the background');
  // A perfectly clean background (digital drawings, MNIST itself) keeps every shade; a photo's paper grain does not.
  const floor = background > 0 ? 0.15 : 0;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = (data[i] - background) / range;
    out[i] = v > floor ? Math.round(Math.min(1, v) * 255) : 0;
  }
  return { data: out, width, height };
}

function boundingBox({ data, width, height }: InkMap) {
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** The 20×20-fitted digit placed in 28×28 with its centre of mass at the centre. Returns bytes 0..255. */
export function centreByMass(digit: InkMap): Uint8Array {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) {
      const v = digit.data[y * digit.width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const ox = clamp(Math.round(SIDE / 2 - mx / mass), SIDE - digit.width);
  const oy = clamp(Math.round(SIDE / 2 - my / mass), SIDE - digit.height);
  const out = new Uint8Array(SIDE * SIDE);
  for (let y = 0; y < digit.height; y++) out.set(digit.data.subarray(y * digit.width, (y + 1) * digit.width), (y + oy) * SIDE + ox);
  return out;
}

type Box = ReturnType<typeof boundingBox>;

function crop(map: InkMap, box: Box): Uint8Array {
  const out = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.top + y) * map.width + box.left;
    out.set(map.data.subarray(from, from + box.width), y * box.width);
  }
  return out;
}

async function resize(map: InkMap, box: Box, width: number, height: number): Promise<Uint8Array> {
  const out = await sharp(Buffer.from(map.data), { raw: { width: map.width, height: map.height, channels: 1 } })
    .extract(box)
    .resize(width, height, { fit: 'fill' })
    .extractChannel(0) // sharp would otherwise hand back sRGB, three bytes per pixel
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The whole pipeline; returns the 28×28 image as bytes (for a debug picture) and as the model's float input. */
export async function preprocess(input: Buffer, opts: PreprocessOptions): Promise<{ pixels: Uint8Array; tensor: Float32Array }> {
  if (input.length === 0) throw new HttpError(400, 'missing_image', 'the request has no image');
  const { data, info } = await decodeRgba(input, opts);
  const ink = normalise(toInk(data, info.width, info.height));
  const box = boundingBox(ink);
  const scale = BOX / Math.max(box.width, box.height);
  const width = Math.max(1, Math.round(box.width * scale));
  const height = Math.max(1, Math.round(box.height * scale));
  const fitted = width === box.width && height === box.height ? crop(ink, box) : await resize(ink, box, width, height);
  const pixels = centreByMass({ data: fitted, width, height });
  const tensor = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) tensor[i] = pixels[i] / 255;
  return { pixels, tensor };
}

/** The preprocessed input as a PNG, to show a person what the model saw. */
export function pixelsToPng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toBuffer();
}
