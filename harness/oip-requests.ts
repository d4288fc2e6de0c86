// Open Inference Protocol v2 infer bodies for n images of 784 floats: JSON `data`, or Triton's binary form (the JSON
// header, then the raw little-endian FP32 bytes, with the header's length in Inference-Header-Content-Length).
type Extra = Record<string, unknown>;

const input = (n: number) => ({ name: 'image', shape: [n, 1, 28, 28], datatype: 'FP32' });

export function jsonInferBody(images: Float32Array, n: number, extra: Extra = {}): string {
  return JSON.stringify({ inputs: [{ ...input(n), data: Array.from(images) }], ...extra });
}

/** `overrides` replace fields of the input (a lying binary_data_size, data beside it). */
export function binaryInferBody(images: Float32Array, n: number, extra: Extra = {}, overrides: Extra = {}) {
  const bytes = Buffer.from(images.buffer, images.byteOffset, images.byteLength);
  const inputs = [{ ...input(n), parameters: { binary_data_size: bytes.length }, ...overrides }];
  const header = Buffer.from(JSON.stringify({ inputs, ...extra }));
  return { header, body: Buffer.concat([header, bytes]), headers: { 'inference-header-content-length': String(header.length) } };
}
