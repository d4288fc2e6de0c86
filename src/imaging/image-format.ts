// Which picture formats the service reads, told from a file's first bytes before any decoder parses it. sharp's
// libvips would load more (SVG above all, whose renderer's cost no size limit bounds: 13 KB of blur filters kept a
// core busy for minutes, and the render outlived its request and the shutdown), so the rest are refused here.
// A handful of fixed signatures; a sniffing library would parse far more than we accept.
import { PreprocessError } from './errors.js';

/** The formats read, and how sharp's metadata() names each (AVIF is read by its HEIF loader). */
export const SHARP_FORMAT = { png: 'png', jpeg: 'jpeg', webp: 'webp', gif: 'gif', tiff: 'tiff', avif: 'heif' } as const;
export type ImageFormat = keyof typeof SHARP_FORMAT;

/** The most pixels a side may have, whatever the format: WebP's own limit, and a bound on a decoder's per-row work
 * (a 1-pixel-wide PNG 25 million rows tall cost 7 s of CPU within MAX_INPUT_PIXELS). */
export const MAX_SIDE = 16_384;

const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.equals(bytes.subarray(0, 8));
}

/** AVIF: an ISO-BMFF file whose ftyp box names an AVIF brand (major or compatible). */
function isAvif(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return false;
  const size = Math.min(bytes.length, ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0, 64);
  for (let at = 8; at + 4 <= size; at += 4) if (at !== 12 && ['avif', 'avis'].includes(ascii(bytes, at, at + 4))) return true;
  return false;
}

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const head = ascii(bytes, 0, 12);
  if (isPng(bytes)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'gif';
  if (['II*\0', 'MM\0*'].includes(head.slice(0, 4))) return 'tiff'; // classic TIFF (BigTIFF is for files over 4 GB)
  if (isAvif(bytes)) return 'avif';
  return undefined;
}

/** AVIF is decoded whole, with no shrinking while decoding as JPEG and WebP have: ~0.2 s at this size on one core of
 * the 2-core VM, ~0.9 s at 5000 × 5000 (and a blank 5000 × 5000 AVIF is 553 bytes). */
export const MAX_AVIF_PIXELS = 2048 * 2048;

/** Most pages (image directories) a TIFF may hold; the first is read. libvips walks every one of them: 35,000 1 × 1
 * pages in 4 MB cost 1.6 s of CPU. */
export const MAX_TIFF_PAGES = 64;

/** A 413 for an AVIF over MAX_AVIF_PIXELS. */
export function checkAvifSize(width: number, height: number): void {
  if (width * height > MAX_AVIF_PIXELS) {
    throw new PreprocessError(
      'image_too_large',
      `the AVIF is ${width}×${height} pixels; an AVIF may have at most ${MAX_AVIF_PIXELS} (it cannot be shrunk while decoding); send a smaller one, or a JPEG or PNG`,
    );
  }
}

/**
 * Counts a TIFF's pages by following its chain of image directories before libvips does: a 413 past MAX_TIFF_PAGES,
 * a 400 for a chain that leaves the file or loops. Written here because it is the one cheap look libvips does not offer.
 */
export function checkTiffPages(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x49;
  const broken = () =>
    new PreprocessError(
      'invalid_image',
      'the TIFF is damaged or cut short: its image directories lead outside the file; send the whole file again',
    );
  const visited = new Set<number>();
  for (let at = bytes.length >= 8 ? view.getUint32(4, little) : 0, pages = 0; at !== 0; pages++) {
    if (pages === MAX_TIFF_PAGES)
      throw new PreprocessError('image_too_large', `the TIFF holds more than ${MAX_TIFF_PAGES} pages; send the page with the number on it`);
    if (at + 2 > bytes.length || visited.has(at)) throw broken();
    visited.add(at);
    const next = at + 2 + 12 * view.getUint16(at, little);
    if (next + 4 > bytes.length) throw broken();
    at = view.getUint32(next, little);
  }
}

/** A 413 for a side over MAX_SIDE (the pixel limit is checked where the size is read). */
export function checkSides(width: number, height: number): void {
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new PreprocessError(
      'image_too_large',
      `the image is ${width}×${height} pixels; neither side may be over ${MAX_SIDE}; send a smaller picture`,
    );
  }
}
