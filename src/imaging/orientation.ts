// EXIF orientation for the pictures we decode ourselves (a PNG's eXIf chunk), turned the way sharp's rotate() turns
// the ones it decodes, so that a photo reads the same whichever path it takes.
import type { Grey } from './mnist-normalise.js';

/** EXIF orientation 1–8: 1 as stored, 2 mirrored, 3 rotated 180°, 4 flipped, 5–8 the same with rows and columns swapped. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The orientation tag (0x0112) of IFD0 in EXIF data (a TIFF structure); 1 when absent or unreadable. */
export function exifOrientation(exif: Uint8Array): Orientation {
  // Some writers keep JPEG's "Exif\0\0" prefix in PNG's eXIf chunk.
  const start = exif.length >= 6 && String.fromCharCode(...exif.subarray(0, 4)) === 'Exif' ? 6 : 0;
  const view = new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start);
  if (view.byteLength < 8) return 1;
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return 1;
  const entries = view.getUint16(ifd, little);
  for (let i = 0, at = ifd + 2; i < entries && at + 12 <= view.byteLength; i++, at += 12) {
    if (view.getUint16(at, little) !== 0x0112) continue;
    const value = view.getUint16(at + 8, little); // a SHORT, left-justified in the value field
    return value >= 1 && value <= 8 ? (value as Orientation) : 1;
  }
  return 1;
}

/** The picture as it should be seen: each displayed pixel (x, y) read from where the orientation stored it. */
export function orient(picture: Grey, orientation: Orientation): Grey {
  if (orientation === 1) return picture;
  const { data, width: w, height: h } = picture;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        default:
          [sx, sy] = [w - 1 - y, x]; // 8
      }
      out[y * width + x] = data[sy * w + sx];
    }
  }
  return { ...picture, data: out, width, height };
}
