// Colour planes to a picture file with sharp: interleaved, rounded, and encoded with settings fixed so bytes repeat.
import sharp from 'sharp';
import { clamp, MAX_HEIGHT, MAX_WIDTH, type Layer } from './raster.js';

export type Format = { kind: 'png' } | { kind: 'jpeg'; quality: number };

/** Planes of 0..255 values (1 grey, 3 colour, 4 with alpha) as a PNG or JPEG. */
export async function encode(planes: Layer[], format: Format): Promise<Buffer> {
  const { width, height } = planes[0];
  if (width > MAX_WIDTH || height > MAX_HEIGHT)
    throw new Error(`crosscheck: a ${width}×${height} picture is over ${MAX_WIDTH}×${MAX_HEIGHT}`);
  const channels = planes.length as 1 | 3 | 4;
  const raw = Buffer.alloc(width * height * channels);
  for (let c = 0; c < channels; c++) {
    const data = planes[c].data;
    for (let i = 0; i < width * height; i++) raw[i * channels + c] = clamp(Math.round(data[i]), 0, 255);
  }
  const image = sharp(raw, { raw: { width, height, channels } });
  if (format.kind === 'jpeg') return image.jpeg({ quality: format.quality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
  return image.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
}
