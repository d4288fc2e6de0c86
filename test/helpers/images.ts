// PNGs built chunk by chunk (bombs, lies in the header, odd layouts) and pictures sharp makes hard to read.
import { constants as zlibConstants, crc32, deflateRawSync, deflateSync } from 'node:zlib';
import type { Sharp } from 'sharp';

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A tiny, valid-looking PNG whose header declares width × height pixels (a decompression bomb's shape), with `idat` as
 * its compressed pixels. */
export function pngDeclaring(width: number, height: number, idat: Buffer = deflateSync(Buffer.alloc(1024))): Buffer {
  return pngOf([
    ['IHDR', ihdr(width, height)],
    ['IDAT', idat],
    ['IEND', Buffer.alloc(0)],
  ]);
}

/** IHDR's 13 bytes. */
export function ihdr(width: number, height: number, bitDepth = 8, colourType = 0, interlace = 0): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([bitDepth, colourType, 0, 0, interlace], 8);
  return data;
}

/** A PNG file made of exactly these chunks, in this order (valid or not: the structural attacks are built with it). */
export function pngOf(chunks: Array<[type: string, data: Buffer]>): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks.map(([type, data]) => chunk(type, data))]);
}

/** The chunks of a PNG file, in order. */
export function chunksOf(png: Buffer): Array<[type: string, data: Buffer]> {
  const chunks: Array<[string, Buffer]> = [];
  for (let at = 8; at + 12 <= png.length; at += 12 + png.readUInt32BE(at)) {
    chunks.push([png.toString('latin1', at + 4, at + 8), png.subarray(at + 8, at + 8 + png.readUInt32BE(at))]);
  }
  return chunks;
}

/** A zlib stream that inflates to `size` zero bytes (a decompression bomb), built from one repeated deflate block so
 * that gigabytes need not be compressed to make it. `size` is rounded down to whole MiB. */
export function zeroBomb(size: number): Buffer {
  const mib = 1 << 20;
  const block = deflateRawSync(Buffer.alloc(mib), { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH }); // byte-aligned, not final
  const count = Math.floor(size / mib);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((((count * mib) % 65521) << 16) | 1) >>> 0); // Adler-32 of n zeros: a = 1, b = n mod 65521
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array<Buffer>(count).fill(block), deflateRawSync(Buffer.alloc(0)), adler]);
}

/** What a camera stores for EXIF orientation 1–8 given the upright picture: the inverse of the turn the tag asks for
 * (sharp mirrors before it rotates, whatever the order of the calls). */
export const storedAs: Record<number, (upright: Sharp) => Sharp> = {
  1: (s) => s,
  2: (s) => s.flop(),
  3: (s) => s.rotate(180),
  4: (s) => s.flip(),
  5: (s) => s.rotate(-90).flop(),
  6: (s) => s.rotate(-90),
  7: (s) => s.rotate(90).flop(),
  8: (s) => s.rotate(90),
};

/** 1 KB of SVG whose blur filters kept librsvg busy for seconds: SVG is not read at all. */
export const BLUR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><filter id="f"><feGaussianBlur stdDeviation="80"/>' +
  '<feMorphology operator="dilate" radius="60"/></filter>' +
  Array.from({ length: 16 }, (_, i) => `<rect x="${i * 100}" y="${i * 100}" width="900" height="900" filter="url(#f)"/>`).join('') +
  '</svg>';

/** A little-endian TIFF of `pages` 1 × 1 black pages, each image directory pointing at the next (at the first one
 * again when `loop`). */
export function tiffPages(pages: number, loop = false): Buffer {
  const entries = 9;
  const ifd = 2 + 12 * entries + 4;
  const strip = 8 + pages * ifd;
  const file = Buffer.alloc(strip + 1);
  file.write('II*\0', 0, 'latin1');
  file.writeUInt32LE(8, 4);
  for (let p = 0; p < pages; p++) {
    let at = 8 + p * ifd;
    file.writeUInt16LE(entries, at);
    at += 2;
    // width, length, bits per sample, no compression, black is zero, strip offset, 1 sample, 1 row a strip, 1 byte
    for (const [tag, type, value] of [
      [256, 3, 1],
      [257, 3, 1],
      [258, 3, 8],
      [259, 3, 1],
      [262, 3, 1],
      [273, 4, strip],
      [277, 3, 1],
      [278, 3, 1],
      [279, 4, 1],
    ]) {
      file.writeUInt16LE(tag, at);
      file.writeUInt16LE(type, at + 2);
      file.writeUInt32LE(1, at + 4);
      if (type === 3) file.writeUInt16LE(value, at + 8);
      else file.writeUInt32LE(value, at + 8);
      at += 12;
    }
    file.writeUInt32LE(p < pages - 1 ? at + 4 : loop ? 8 : 0, at);
  }
  return file;
}
