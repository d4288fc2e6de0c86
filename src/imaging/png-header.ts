// One parse of a PNG's chunk structure, which every decoder obeys (our own in png-decode.ts, and sharp for large PNGs):
// exactly one IHDR and first, PLTE/tRNS once and before the pixels, IDAT chunks contiguous, IEND last; every length
// checked against the bytes there are; the pixel limit applied to the IHDR that will be decoded; and the compressed
// data no longer than any encoder could make the declared image, so that no layout (interlaced included) can make a
// decoder inflate more than the header promised.
import { crc32 } from 'node:zlib';
import { PreprocessError, tooManyPixels } from './errors.js';
import { checkSides, isPng } from './image-format.js';
import { exifOrientation, type Orientation } from './orientation.js';

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: number;
  interlaced: boolean;
  /** Bits per pixel (channels × bit depth). */
  bitsPerPixel: number;
  /** PLTE's RGB triplets, for colour type 3. */
  palette?: Uint8Array;
  /** tRNS's data as stored: alpha per palette entry, or the grey/RGB colour that is see-through. */
  transparency?: Uint8Array;
  /** The IDAT chunks' data, in order (views into the file). */
  idat: Uint8Array[];
  /** Exactly how many bytes the pixel data inflates to (filter bytes included, every Adam7 pass for interlaced). */
  inflatedSize: number;
  /** EXIF orientation from an eXIf chunk (1 = as stored). */
  orientation: Orientation;
}

const CRC_CHECKED = new Set(['IHDR', 'PLTE', 'IDAT']);

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Adam7's passes: [x0, y0, dx, dy]. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** A non-interlaced image as one pass. */
export const WHOLE = [[0, 0, 1, 1]] as const;

/** Width and height of one Adam7 pass of a width × height image (0 when the pass is empty). */
export function passSize(width: number, height: number, [x0, y0, dx, dy]: readonly [number, number, number, number]) {
  return { width: Math.ceil((width - x0) / dx), height: Math.ceil((height - y0) / dy) };
}

const rowBytes = (width: number, bitsPerPixel: number) => Math.ceil((width * bitsPerPixel) / 8);

/** The one error a malformed PNG gets, from the header parse or the decoder. */
export const invalidPng = (why: string) =>
  new PreprocessError('invalid_image', 'the PNG is damaged, cut short or malformed; send the whole file again', { cause: new Error(why) });
const invalid = invalidPng;

/** The structure of a PNG, checked; throws a 400 for a malformed file and a 413 for one over maxPixels. */
export function parsePngHeader(png: Uint8Array, maxPixels: number): PngHeader {
  if (!isPng(png)) throw invalid('no PNG signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let header: PngHeader | undefined;
  let idatEnded = false;
  let ended = false;
  let idatLength = 0;
  const seen = new Set<string>();
  for (let at = 8; !ended;) {
    if (at + 12 > png.length) throw invalid(at === png.length ? 'no IEND chunk' : 'truncated chunk');
    const length = view.getUint32(at);
    const type = String.fromCharCode(png[at + 4], png[at + 5], png[at + 6], png[at + 7]);
    if (length > png.length - at - 12) throw invalid(`the ${JSON.stringify(type)} chunk is longer than the file`);
    const data = png.subarray(at + 8, at + 8 + length);
    // The chunks that make the pixels are checked as libpng (sharp's decoder) checks them: whichever decoder reads a
    // picture, a damaged one is a 400, not a guess from damaged pixels. Ancillary chunks' CRCs are ignored, as there.
    if (CRC_CHECKED.has(type) && crc32(png.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) {
      throw invalid(`the ${type} chunk's CRC does not match its data`);
    }
    at += 12 + length;
    if (!header) {
      if (type !== 'IHDR') throw invalid('the first chunk is not IHDR');
      header = readIhdr(data, maxPixels);
      continue;
    }
    if (type !== 'IDAT' && header.idat.length > 0) idatEnded = true;
    switch (type) {
      case 'IHDR':
        throw invalid('more than one IHDR chunk');
      case 'PLTE':
        if (seen.has(type) || header.idat.length > 0 || seen.has('tRNS')) throw invalid('PLTE repeated or out of order');
        if (length % 3 !== 0 || length === 0 || length > 768) throw invalid('bad PLTE length');
        if (header.colourType === 0 || header.colourType === 4) throw invalid('PLTE in a greyscale image');
        if (header.colourType === 3) header.palette = data;
        break;
      case 'tRNS':
        if (seen.has(type) || header.idat.length > 0) throw invalid('tRNS repeated or after the image data');
        if (header.colourType === 4 || header.colourType === 6) throw invalid('tRNS in an image with an alpha channel');
        if (header.colourType === 3 && (!header.palette || length > header.palette.length / 3))
          throw invalid('tRNS does not fit the palette');
        if ((header.colourType === 0 && length !== 2) || (header.colourType === 2 && length !== 6)) throw invalid('bad tRNS length');
        header.transparency = data;
        break;
      case 'IDAT':
        if (idatEnded) throw invalid('IDAT chunks are not contiguous');
        if (header.colourType === 3 && !header.palette) throw invalid('palette image without PLTE');
        header.idat.push(data);
        idatLength += length;
        break;
      case 'eXIf':
        if (seen.has(type)) throw invalid('more than one eXIf chunk');
        header.orientation = exifOrientation(data);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        // An unknown critical chunk (upper-case first letter) changes how the image must be read: refuse it (PNG §5.4).
        if (type.charCodeAt(0) < 0x61) throw invalid(`unknown critical chunk ${JSON.stringify(type)}`);
    }
    seen.add(type);
  }
  if (!header || header.idat.length === 0) throw invalid('no IDAT chunk');
  // Deflate stores incompressible data with ~5 bytes of framing per 64 KB, and a simple fixed-Huffman encoder spends at
  // most 9 bits a byte: more compressed data than that cannot be this image, only a bomb's payload.
  if (idatLength > header.inflatedSize + Math.ceil(header.inflatedSize / 8) + 1024) {
    throw invalid(`${idatLength} bytes of image data for a ${header.width}×${header.height} image`);
  }
  return header;
}

function readIhdr(data: Uint8Array, maxPixels: number): PngHeader {
  if (data.length !== 13) throw invalid('IHDR is not 13 bytes');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const [bitDepth, colourType, compression, filter, interlace] = data.subarray(8, 13);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw invalid(`${width}×${height} pixels`);
  if (width * height > maxPixels) {
    throw new PreprocessError('image_too_large', tooManyPixels(`the image has ${width}×${height} pixels`, maxPixels));
  }
  checkSides(width, height);
  if (!BIT_DEPTHS[colourType]?.includes(bitDepth)) throw invalid(`bit depth ${bitDepth} with colour type ${colourType}`);
  if (compression !== 0 || filter !== 0 || interlace > 1) throw invalid('unknown compression, filter or interlace method');
  const bitsPerPixel = CHANNELS[colourType] * bitDepth;
  const interlaced = interlace === 1;
  let inflatedSize = 0;
  for (const pass of interlaced ? ADAM7 : WHOLE) {
    const size = passSize(width, height, pass);
    if (size.width > 0 && size.height > 0) inflatedSize += size.height * (1 + rowBytes(size.width, bitsPerPixel));
  }
  return { width, height, bitDepth, colourType, interlaced, bitsPerPixel, idat: [], inflatedSize, orientation: 1 };
}
