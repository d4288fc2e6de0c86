// An OIP v2 inference request's body → the images to run, and the probabilities → the response body. Both forms of the
// protocol: tensors as JSON `data` (flat or nested), and Triton's binary tensor data extension (a JSON header of
// Inference-Header-Content-Length bytes, then raw little-endian FP32). Every size the request declares is checked
// against the model's shape and the body's real length before anything is allocated or read.
import { endianness } from 'node:os';
import { z } from 'zod';
import { nestsDeeperThan } from '../json-depth.js';
import { INPUT, OipError, OUTPUT } from './contract.js';

const LITTLE_ENDIAN = endianness() === 'LE';

export interface Limits {
  /** Most images in one request (the batcher's BATCH_MAX_SIZE). */
  maxBatch: number;
}

export interface RequestedOutput {
  name: string;
  binary: boolean;
}

export interface InferRequest {
  id?: string;
  /** n images of INPUT.perItem floats each, back to back. */
  images: Float32Array;
  n: number;
  outputs: RequestedOutput[];
}

const parameters = z.record(z.string(), z.unknown()).optional();
const dim = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const RequestSchema = z.object({
  id: z.string().optional(),
  parameters,
  inputs: z.array(z.object({ name: z.string(), shape: z.array(dim), datatype: z.string(), parameters, data: z.unknown().optional() })),
  outputs: z.array(z.object({ name: z.string(), parameters })).optional(),
});

export const bad = (message: string) => new OipError(400, message);
/** A name the client sent, quoted and cut short: an error message says what was wrong, not everything that was sent. */
const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
/** What kind of JSON value something is, for an error message that must not print it. */
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/** Deeper than any valid request (an object, its inputs, one input, its data nested as deep as the shape's rank). */
const MAX_JSON_DEPTH = 32;

/** Our words for a schema problem: where it is and what was expected, never the library's text or the value sent. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.join('.') || 'the body';
  if (issue.code === 'invalid_type')
    return `${where} must be ${issue.expected === 'array' ? 'an array' : issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return `${where} is out of range`;
  return `${where} is not valid`;
}

/** Splits the body at Inference-Header-Content-Length (absent: all of it is JSON). */
function splitBody(body: Buffer, headerLength: string | string[] | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) };
  const text = Array.isArray(headerLength) ? headerLength.join(',') : headerLength;
  if (!/^\d{1,15}$/.test(text)) throw bad(`Inference-Header-Content-Length must be a byte count, got "${text.slice(0, 40)}"`);
  const length = Number(text);
  if (length > body.length) throw bad(`Inference-Header-Content-Length is ${length} but the body has only ${body.length} bytes`);
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

function parseJson(json: Buffer): z.infer<typeof RequestSchema> {
  if (nestsDeeperThan(json, MAX_JSON_DEPTH))
    throw bad(`the inference request nests more than ${MAX_JSON_DEPTH} levels deep; data may nest only as deep as its shape`);
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    // The parser's own message quotes a piece of the body: ours says what to send instead.
    throw bad('the inference request is not valid JSON; send a JSON object with "inputs" (see the Open Inference Protocol)');
  }
  const parsed = RequestSchema.safeParse(value);
  if (!parsed.success) throw bad(`invalid inference request: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

/** Nested `data` copied into `out` in row-major order; nesting may go no deeper than the shape's rank. */
function flattenInto(data: unknown[], out: Float32Array, depth: number, at: { i: number }): void {
  for (const v of data) {
    if (typeof v === 'number') {
      if (at.i >= out.length) throw bad(`data holds more than the ${out.length} values its shape declares`);
      out[at.i++] = v;
    } else if (Array.isArray(v)) {
      if (depth <= 1) throw bad('data is nested deeper than its shape');
      flattenInto(v, out, depth - 1, at);
    } else {
      throw bad(`FP32 data must be numbers, found ${kind(v)}`);
    }
  }
}

/** Raw little-endian FP32 bytes as floats: a view of them where they sit on a 4-byte boundary (nothing here writes to
 * it), a copy where they do not, as bytes at any offset of a body or a protobuf message may. */
export function floatsFromLE(bytes: Buffer): Float32Array {
  const count = bytes.length / 4;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function floatsToLE(floats: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  const out = Buffer.allocUnsafe(floats.length * 4);
  floats.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/** One output as a request names it: its name and its own binary choice, if any (not yet checked). */
export interface OutputAsked {
  name: string;
  binary?: unknown;
}

/**
 * Which outputs to return and in which form: `all` is the request's binary_data_output, each output's own binary_data
 * overrides it, and `fallback` is the form when neither says (REST: JSON; gRPC: as the inputs came). The same
 * parameters and words for every transport.
 */
export function resolveOutputs(all: unknown, outputs: OutputAsked[] | undefined, fallback = false): RequestedOutput[] {
  if (all != null && typeof all !== 'boolean') throw bad('parameters.binary_data_output must be true or false');
  const forAll = (all as boolean | null | undefined) ?? fallback;
  // No `outputs`, or an empty list (as Triton reads it): every output, in its default form.
  if (!outputs?.length) return [{ name: OUTPUT.name, binary: forAll }];
  const seen = new Set<string>();
  return outputs.map(({ name, binary: own }) => {
    const binary = own ?? forAll;
    if (name !== OUTPUT.name) throw bad(`unknown output ${quote(name)}: the model's output is "${OUTPUT.name}"`);
    if (seen.has(name)) throw bad(`output ${quote(name)} is requested twice`);
    seen.add(name);
    if (typeof binary !== 'boolean') throw bad(`outputs.${name}.parameters.binary_data must be true or false`);
    return { name, binary };
  });
}

const requestedOutputs = (request: z.infer<typeof RequestSchema>): RequestedOutput[] =>
  resolveOutputs(
    request.parameters?.binary_data_output,
    request.outputs?.map(({ name, parameters: p }) => ({ name, binary: p?.binary_data })),
  );

export interface InputHeader {
  name: string;
  datatype: string;
  shape: readonly number[];
}

/** The one input tensor's name, datatype and shape against the model's, and its batch against the limit: its n. */
export function checkInput(input: InputHeader, limits: Limits): number {
  if (input.name !== INPUT.name) throw bad(`unknown input ${quote(input.name)}: the model's input is "${INPUT.name}"`);
  if (input.datatype !== INPUT.datatype) throw bad(`input "${INPUT.name}" must be ${INPUT.datatype}, got ${quote(input.datatype)}`);
  const { shape } = input;
  const itemShape = INPUT.shape.slice(1);
  if (shape.length !== INPUT.shape.length || itemShape.some((d, i) => shape[i + 1] !== d)) {
    throw bad(`input "${INPUT.name}" has shape [${shape.join(',').slice(0, 80)}]; the model takes [${INPUT.shape}] (-1: any batch size)`);
  }
  const n = shape[0];
  if (n === 0) throw bad('the batch is empty: shape[0] must be at least 1');
  if (!Number.isSafeInteger(n) || n < 0) throw bad(`input "${INPUT.name}" has shape[0] ${n}: a batch size is a whole number from 1`);
  if (n > limits.maxBatch) throw bad(`a batch of ${n} images is over this server's limit of ${limits.maxBatch} (BATCH_MAX_SIZE)`);
  return n;
}

/** Every value a finite FP32 number: NaN and ±Infinity are refused (a double beyond FP32's range became Infinity when it
 * was stored). */
export function checkFinite(images: Float32Array): void {
  // An indexed loop, not for…of: a typed array's iterator is the slow part of a 64-image request (docs/performance.md).
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    // v − v is 0 for every finite value, and NaN for NaN and ±Infinity, the only other FP32 values.
    if (v - v !== 0) throw bad(`input "${INPUT.name}" holds ${v}: every value must be a finite FP32 number`);
  }
}

export function parseInferRequest(body: Buffer, headerLength: string | string[] | undefined, limits: Limits): InferRequest {
  const { json, binary } = splitBody(body, headerLength);
  const request = parseJson(json);
  if (request.inputs.length !== 1) throw bad(`expected one input tensor "${INPUT.name}", got ${request.inputs.length}`);
  const [input] = request.inputs;
  const n = checkInput(input, limits);
  const { shape } = input;
  const count = n * INPUT.perItem;

  let images: Float32Array;
  const binarySize = input.parameters?.binary_data_size;
  if (binarySize !== undefined) {
    if (headerLength === undefined) throw bad('binary_data_size needs the Inference-Header-Content-Length header');
    if (input.data !== undefined) throw bad(`input "${INPUT.name}" has both data and binary_data_size`);
    if (binarySize !== count * 4)
      throw bad(
        `binary_data_size is ${typeof binarySize === 'number' ? binarySize : kind(binarySize)}; shape [${shape}] of FP32 is ${count * 4} bytes`,
      );
    if (binary.length !== binarySize) throw bad(`binary_data_size is ${binarySize} but ${binary.length} bytes follow the JSON header`);
    images = floatsFromLE(binary);
  } else {
    if (binary.length > 0) throw bad(`${binary.length} bytes follow the JSON header, but no input declares binary_data_size`);
    if (!Array.isArray(input.data)) throw bad(`input "${INPUT.name}" has no data array`);
    images = new Float32Array(count);
    const at = { i: 0 };
    flattenInto(input.data, images, shape.length, at);
    if (at.i !== count) throw bad(`shape [${shape}] needs ${count} values, data has ${at.i}`);
  }
  checkFinite(images);
  return { id: request.id, images, n, outputs: requestedOutputs(request) };
}

export interface InferResult {
  modelName: string;
  modelVersion: string;
  id?: string;
  outputs: RequestedOutput[];
  /** n × OUTPUT.perItem probabilities. */
  probabilities: Float32Array;
  n: number;
}

/** JSON alone when no output goes as binary; otherwise the JSON header, its length, and the raw tensors after it. */
export function encodeInferResponse(result: InferResult): { json: object } | { body: Buffer; headerLength: number } {
  const shape = [result.n, OUTPUT.perItem];
  const head = { model_name: result.modelName, model_version: result.modelVersion, ...(result.id !== undefined ? { id: result.id } : {}) };
  const outputs = result.outputs.map(({ name, binary }) => ({
    name,
    datatype: OUTPUT.datatype,
    shape,
    ...(binary ? { parameters: { binary_data_size: result.probabilities.byteLength } } : { data: Array.from(result.probabilities) }),
  }));
  if (!result.outputs.some((o) => o.binary)) return { json: { ...head, outputs } };
  const header = Buffer.from(JSON.stringify({ ...head, outputs }));
  const tensors = result.outputs.filter((o) => o.binary).map(() => floatsToLE(result.probabilities));
  return { body: Buffer.concat([header, ...tensors]), headerLength: header.length };
}
