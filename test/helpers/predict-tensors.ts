// What /predict ran for MNIST test pictures: each picture's model input, recovered from ?debug=1 (the 28×28 input as a
// PNG; tensor = pixels / 255), and the probabilities it answered, so that a protocol fed those tensors can be held to it.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import type { loadMnist } from '../../src/train/mnist.js';
import { variants } from '../../src/synth/mnist-pictures.js';

type Mnist = ReturnType<typeof loadMnist>['test'];

export async function predictTensors(
  app: FastifyInstance,
  mnist: Mnist,
  n: number,
): Promise<{ tensors: Float32Array; expected: number[] }> {
  const tensors = new Float32Array(n * 784);
  const expected: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/predict?debug=1',
      headers: { 'content-type': 'image/png' },
      payload: await variants.plain(mnist, i),
    });
    assert.equal(res.statusCode, 200, res.body);
    const { probabilities, input } = res.json();
    const pixels = await sharp(Buffer.from(input.split(',')[1], 'base64'))
      .greyscale()
      .raw()
      .toBuffer();
    assert.equal(pixels.length, 784);
    pixels.forEach((v, k) => (tensors[i * 784 + k] = v / 255));
    expected.push(...probabilities);
  }
  return { tensors, expected };
}
