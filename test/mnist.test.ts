// The IDX loader: the embedded data set, gzip, alternate file names, and a clear error naming the file for bad input.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError, embeddedMnistDir, loadMnist, parseIdx } from '../src/train/mnist.js';

const idx = (dims: number[], data: number[] | Uint8Array) => {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Buffer.from(data)]));
};

describe('IDX parser', () => {
  it('reads dimensions and data', () => {
    const { dims, data } = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), 'x');
    assert.deepEqual(dims, [2, 3]);
    assert.deepEqual([...data], [1, 2, 3, 4, 5, 6]);
  });

  it('reads gzipped files transparently', () => {
    const { dims, data } = parseIdx(new Uint8Array(gzipSync(idx([3], [7, 8, 9]))), 'x.gz');
    assert.deepEqual(dims, [3]);
    assert.deepEqual([...data], [7, 8, 9]);
  });

  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['empty file', new Uint8Array(0), /some\.idx: truncated/],
    ['wrong magic', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), /some\.idx: not an IDX file.*0x504b0304/],
    [
      'float type code',
      (() => {
        const b = idx([1], [0, 0, 0, 0]);
        b[2] = 0x0d;
        return b;
      })(),
      /not an IDX file of unsigned bytes/,
    ],
    ['truncated header', idx([5, 5], []).subarray(0, 9), /truncated in its header/],
    ['truncated data', idx([4, 2], [1, 2, 3]), /declares 8 bytes of data, file has 3/],
    ['trailing bytes', idx([2], [1, 2, 3]), /1 unexpected bytes/],
    ['corrupt gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), /corrupt gzip/],
  ];
  for (const [what, bytes, message] of bad) {
    it(`rejects ${what} with an error naming the file`, () => {
      assert.throws(
        () => parseIdx(bytes, 'some.idx'),
        (err: Error) => err instanceof DataError && message.test(err.message),
      );
    });
  }
});

describe('MNIST loading', () => {
  it('the embedded copy is the real MNIST: 60k/10k images with the official label counts', () => {
    const { train, test } = loadMnist();
    assert.equal(train.count, 60000);
    assert.equal(test.count, 10000);
    const counts = (labels: Uint8Array) => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
    assert.deepEqual(counts(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(counts(test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('--data DIR accepts gzipped files with either naming', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mnist-'));
    const src = embeddedMnistDir();
    writeFileSync(path.join(dir, 'train-images.idx3-ubyte.gz'), gzipSync(readFileSync(path.join(src, 'train-images-idx3-ubyte'))));
    copyFileSync(path.join(src, 'train-labels-idx1-ubyte'), path.join(dir, 'train-labels-idx1-ubyte'));
    writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(readFileSync(path.join(src, 't10k-images-idx3-ubyte'))));
    copyFileSync(path.join(src, 't10k-labels-idx1-ubyte'), path.join(dir, 't10k-labels.idx1-ubyte'));
    const loaded = loadMnist(dir);
    const embedded = loadMnist();
    assert.equal(loaded.train.count, 60000);
    assert.deepEqual(loaded.test.images.subarray(0, 784 * 3), embedded.test.images.subarray(0, 784 * 3));
  });

  it('an image/label count mismatch names both files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mnist-'));
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idx([2, 28, 28], new Uint8Array(2 * 784)));
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx([3], [1, 2, 3]));
    assert.throws(() => loadMnist(dir), /train-images-idx3-ubyte has 2 images but .*train-labels-idx1-ubyte has 3 labels/);
  });

  it('a missing file is named', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mnist-'));
    assert.throws(() => loadMnist(dir), /no train-images-idx3-ubyte file/);
  });

  it('labels outside 0–9 are rejected', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mnist-'));
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idx([1, 28, 28], new Uint8Array(784)));
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx([1], [12]));
    assert.throws(() => loadMnist(dir), /label 12 at index 0 is not a digit/);
  });
});
