// The Open Inference Protocol v2 routes over real HTTP semantics (app.inject), with the committed model and real MNIST:
// every answer is checked against the protocol's own schemas and against openapi.yaml.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadModel, type LoadedModel } from '../src/server/model.js';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { binaryInferBody, jsonInferBody } from '../harness/oip-requests.js';
import { predictTensors } from './helpers/predict-tensors.js';
import { assertOip } from './helpers/oip-schema.js';
import { assertMatchesContract } from './helpers/openapi.js';

const { test: mnist } = loadMnist();
const KEY = 'oip-test-api-key-0123456789';
let model: LoadedModel;
let app: FastifyInstance;
let name: string;
let version: string;

const build = (env: Record<string, string> = {}) => buildApp(loadConfig({ LOG_LEVEL: 'silent', ...env }), { logger: false, model });

before(async () => {
  model = await loadModel('models/lenet.onnx', 'cpu', 1);
  app = await build();
  await app.ready();
  ({ name, version } = app.modelSlot.current.info);
});
after(async () => {
  await app.close();
  await model.release();
});

interface Tensor {
  name?: string;
  shape?: number[];
  datatype?: string;
  data?: unknown;
  parameters?: Record<string, unknown>;
}

/** An OIP JSON request for the MNIST test images [start, start + n) as FP32 in [0, 1]: a request the protocol's schema accepts. */
function jsonRequest(start: number, n: number, extra: Record<string, unknown> = {}) {
  const request = JSON.parse(jsonInferBody(toFloat(mnist, start, n), n, extra));
  assertOip('inference_request', request);
  return request;
}
const binaryRequest = binaryInferBody;

const inferUrl = (v?: string) => `/v2/models/${name}${v ? `/versions/${v}` : ''}/infer`;
const CONTRACT_INFER = '/v2/models/{name}/infer';

function infer(body: unknown, opts: { url?: string; headers?: Record<string, string>; on?: FastifyInstance } = {}) {
  const payload = Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers = { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json', ...opts.headers };
  return (opts.on ?? app).inject({ method: 'POST', url: opts.url ?? inferUrl(), headers, payload });
}

function inferBinary(images: Float32Array, n: number, extra: Record<string, unknown> = {}) {
  const { header, body } = binaryRequest(images, n, extra);
  return infer(body, { headers: { 'inference-header-content-length': String(header.length) } });
}

/** A binary response: its JSON header (schema-checked) and the FP32 tensor after it. */
function splitBinary(res: LightMyRequestResponse): {
  header: { outputs: Array<{ parameters: { binary_data_size: number } }> } & Record<string, unknown>;
  floats: Float32Array;
} {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  const length = Number(res.headers['inference-header-content-length']);
  const raw = res.rawPayload;
  const header = JSON.parse(raw.subarray(0, length).toString());
  assertOip('inference_response', header, { binaryHeader: true });
  const bytes = raw.subarray(length);
  assert.equal(bytes.length, header.outputs[0].parameters.binary_data_size);
  const floats = new Float32Array(bytes.length / 4);
  new Uint8Array(floats.buffer).set(bytes);
  return { header, floats };
}

function probabilitiesOf(res: LightMyRequestResponse): number[] {
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assertOip('inference_response', body);
  assertMatchesContract(CONTRACT_INFER, 'post', 200, body);
  return body.outputs[0].data;
}

function assertOipError(res: LightMyRequestResponse, status: number, pattern: RegExp, contractPath = CONTRACT_INFER): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assertOip('metadata_model_error_response', body); // the one OIP error schema that requires "error"
  assert.equal(typeof body.error, 'string');
  assert.match(body.error, pattern);
  assertMatchesContract(contractPath, contractPath.endsWith('infer') ? 'post' : 'get', status, body);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe('OIP v2 metadata and health', () => {
  it('GET /v2 names the server and announces the binary tensor data extension', async () => {
    for (const url of ['/v2', '/v2/']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assertOip('metadata_server_response', body);
      assertMatchesContract('/v2', 'get', 200, body);
      assert.equal(body.name, 'lenet-service');
      assert.deepEqual(body.extensions, ['binary_tensor_data']);
    }
  });

  it('live and ready answer 200; ready is 503 while the app is not ready', async () => {
    for (const [url, key] of [
      ['/v2/health/live', 'live'],
      ['/v2/health/ready', 'ready'],
    ] as const) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { [key]: true });
      assertMatchesContract(url, 'get', 200, res.json());
    }
    const draining = await build();
    try {
      await draining.ready();
      draining.lifecycle.state = 'draining'; // what SIGTERM does first (main.ts)
      const res = await draining.inject('/v2/health/ready');
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { ready: false });
      assertMatchesContract('/v2/health/ready', 'get', 503, res.json());
      assert.equal((await draining.inject(`/v2/models/${name}/ready`)).statusCode, 503);
      assert.equal((await draining.inject('/v2/health/live')).statusCode, 200, 'liveness never depends on readiness');
    } finally {
      await draining.close();
    }
  });

  it('model metadata, with and without the version, is the served model: onnxruntime_onnx, image FP32 [-1,1,28,28] → probabilities FP32 [-1,10]', async () => {
    for (const url of [`/v2/models/${name}`, `/v2/models/${name}/versions/${version}`]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assertOip('metadata_model_response', body);
      assertMatchesContract('/v2/models/{name}', 'get', 200, body);
      assert.deepEqual(body, {
        name,
        versions: [version],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 1, 28, 28] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] }],
      });
      const ready = await app.inject(`${url}/ready`);
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(ready.json(), { name, ready: true });
      assertMatchesContract('/v2/models/{name}/ready', 'get', 200, ready.json());
    }
  });

  it("an unknown model or version is 404 with OIP's error, on every model route", async () => {
    for (const [url, what] of [
      [`/v2/models/resnet`, /unknown model "resnet"/],
      [`/v2/models/${name}/versions/nope`, /no version "nope"/],
    ] as const) {
      assertOipError(await app.inject(url), 404, what, '/v2/models/{name}');
      assertOipError(await app.inject(`${url}/ready`), 404, what, '/v2/models/{name}/ready');
      assertOipError(await infer(jsonRequest(0, 1), { url: `${url}/infer` }), 404, what);
    }
    assertOipError(await app.inject('/v2/repository/index'), 404, /no route for GET \/v2\/repository\/index/, '/v2/models/{name}');
  });
});

describe('OIP v2 inference', () => {
  it("N MNIST images as FP32 give the probabilities /predict gives for the same images' tensors", async () => {
    const n = 24;
    const { tensors, expected } = await predictTensors(app, mnist, n); // what /predict ran, and answered
    const res = await infer({
      id: 'mnist-24',
      inputs: [{ name: 'image', shape: [n, 1, 28, 28], datatype: 'FP32', data: Array.from(tensors) }],
    });
    const body = res.json();
    assert.equal(body.id, 'mnist-24');
    assert.equal(body.model_name, name);
    assert.equal(body.model_version, version);
    assert.deepEqual(body.outputs[0].shape, [n, 10]);
    close(probabilitiesOf(res), expected, 1e-6);
  });

  it('raw MNIST test images: the same probabilities as the model run directly on them, and the right digits', async () => {
    const n = 64;
    const data = probabilitiesOf(await infer(jsonRequest(100, n)));
    close(data, await model.run(toFloat(mnist, 100, n), n), 1e-6);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = data.slice(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === mnist.labels[100 + i]) correct++;
    }
    assert.ok(correct >= 62, `${correct}/64 right`);
  });

  it('nested data is the same tensor as flat data', async () => {
    const flat = Array.from(toFloat(mnist, 0, 2));
    const rows = (a: number[], size: number) => Array.from({ length: a.length / size }, (_, i) => a.slice(i * size, (i + 1) * size));
    const nested = rows(flat, 784).map((image) => [rows(image, 28)]); // [2][1][28][28]
    const a = probabilitiesOf(await infer({ inputs: [{ name: 'image', shape: [2, 1, 28, 28], datatype: 'FP32', data: flat }] }));
    const b = probabilitiesOf(await infer({ inputs: [{ name: 'image', shape: [2, 1, 28, 28], datatype: 'FP32', data: nested }] }));
    assert.deepEqual(a, b);
  });

  it('binary and JSON forms agree, in every combination of request and response', async () => {
    const n = 16;
    const images = toFloat(mnist, 200, n);
    const json = probabilitiesOf(await infer(jsonRequest(200, n)));
    const fp32 = Float32Array.from(json); // JSON carries the same FP32 values as doubles

    // binary in, JSON out
    const binaryIn = await inferBinary(images, n);
    assert.equal(binaryIn.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(probabilitiesOf(binaryIn), json);
    // binary in, binary out (all outputs), with the id echoed in the header
    const both = splitBinary(await inferBinary(images, n, { id: 'b', parameters: { binary_data_output: true } }));
    assert.equal(both.header.id, 'b');
    assert.deepEqual(both.floats, fp32);
    // JSON in, binary out for one named output
    const out = splitBinary(await infer(jsonRequest(200, n, { outputs: [{ name: 'probabilities', parameters: { binary_data: true } }] })));
    assert.deepEqual(out.floats, fp32);
    // binary_data: false on the output overrides binary_data_output
    const overridden = await infer(
      jsonRequest(200, n, {
        parameters: { binary_data_output: true },
        outputs: [{ name: 'probabilities', parameters: { binary_data: false } }],
      }),
    );
    assert.deepEqual(probabilitiesOf(overridden), json);
  });

  it('outputs: the named output is returned; no id in the request means none in the response', async () => {
    const res = await infer(jsonRequest(0, 1, { outputs: [{ name: 'probabilities' }] }));
    const body = res.json();
    assert.equal(body.outputs.length, 1);
    assert.equal(body.outputs[0].name, 'probabilities');
    assert.equal(body.outputs[0].datatype, 'FP32');
    assert.equal('id' in body, false);
    probabilitiesOf(res);
    // clients that send no Content-Type at all are served too (the body is read as bytes whatever its type)
    const untyped = await app.inject({ method: 'POST', url: inferUrl(), payload: Buffer.from(JSON.stringify(jsonRequest(0, 1))) });
    assert.equal(untyped.raw.req.headers['content-type'], undefined);
    assert.deepEqual(probabilitiesOf(untyped), body.outputs[0].data);
    // the versioned URL serves the same
    assert.deepEqual(probabilitiesOf(await infer(jsonRequest(0, 1), { url: inferUrl(version) })), body.outputs[0].data);
    // an empty outputs list asks for every output, as no list does (the fuzz test found it answered none)
    const empty = await infer(jsonRequest(0, 1, { outputs: [] }));
    assert.deepEqual(probabilitiesOf(empty), body.outputs[0].data);
  });

  it('a batch of BATCH_MAX_SIZE is served; one more is refused', async () => {
    const small = await build({ BATCH_MAX_SIZE: '8' });
    try {
      assert.equal(probabilitiesOf(await infer(jsonRequest(0, 8), { on: small })).length, 80);
      assertOipError(await infer(jsonRequest(0, 9), { on: small }), 400, /batch of 9 images is over this server's limit of 8/);
    } finally {
      await small.close();
    }
  });

  it("a batch that would overflow the queue is 503 with Retry-After, in OIP's error shape", async () => {
    const tiny = await build({ QUEUE_MAX: '4' });
    try {
      const res = await infer(jsonRequest(0, 5), { on: tiny });
      assertOipError(res, 503, /queue is full/);
      assert.equal(res.headers['retry-after'], '1');
    } finally {
      await tiny.close();
    }
  });
});

describe('OIP v2 malformed requests: a 4xx and {"error": "…"}, never a 500', () => {
  const image = (overrides: Tensor) => ({
    inputs: [{ name: 'image', shape: [1, 1, 28, 28], datatype: 'FP32', data: new Array(784).fill(0), ...overrides }],
  });
  const cases: Array<[string, unknown, RegExp]> = [
    ['wrong input name', image({ name: 'input0' }), /unknown input "input0"/],
    ['datatype other than FP32', image({ datatype: 'FP64' }), /must be FP32, got "FP64"/],
    ['INT8 datatype', image({ datatype: 'INT8' }), /must be FP32/],
    ['too few values for the shape', image({ data: new Array(783).fill(0) }), /needs 784 values, data has 783/],
    ['too many values for the shape', image({ data: new Array(785).fill(0) }), /more than the 784 values/],
    ['shape of another model', image({ shape: [1, 784] }), /shape \[1,784\]; the model takes \[-1,1,28,28\]/],
    ['shape with the wrong image size', image({ shape: [1, 1, 32, 32], data: new Array(1024).fill(0) }), /the model takes/],
    ['negative dimension', image({ shape: [-1, 1, 28, 28] }), /shape/],
    ['fractional dimension', image({ shape: [1.5, 1, 28, 28] }), /shape/],
    ['empty batch', image({ shape: [0, 1, 28, 28], data: [] }), /batch is empty/],
    ['a string among the numbers', image({ data: [...new Array(783).fill(0), 'x'] }), /must be numbers, found a string$/],
    ['null among the numbers', image({ data: [null, ...new Array(783).fill(0)] }), /must be numbers, found null/],
    ['booleans', image({ data: new Array(784).fill(true) }), /must be numbers, found a boolean$/],
    ['a value beyond FP32', image({ data: [1e39, ...new Array(783).fill(0)] }), /finite FP32/],
    ['nested deeper than the shape', image({ data: [[[[[0]]]]] }), /nested deeper than its shape/],
    ['data not an array', image({ data: 'AAAA' }), /no data array/],
    ['no data', image({ data: undefined }), /no data array/],
    ['no inputs', { inputs: [] }, /expected one input tensor "image", got 0/],
    ['two inputs', { inputs: [image({}).inputs[0], image({}).inputs[0]] }, /got 2/],
    ['inputs missing', { id: '1' }, /inputs/],
    ['id not a string', { ...image({}), id: 42 }, /id/],
    ['unknown output', { ...image({}), outputs: [{ name: 'logits' }] }, /unknown output "logits"/],
    ['output asked twice', { ...image({}), outputs: [{ name: 'probabilities' }, { name: 'probabilities' }] }, /requested twice/],
    [
      'binary_data not a boolean',
      { ...image({}), outputs: [{ name: 'probabilities', parameters: { binary_data: 'yes' } }] },
      /must be true or false/,
    ],
    [
      'binary_data_size without the header',
      image({ data: undefined, parameters: { binary_data_size: 3136 } }),
      /needs the Inference-Header-Content-Length/,
    ],
  ];
  for (const [what, body, pattern] of cases) {
    it(what, async () => assertOipError(await infer(body), 400, pattern));
  }

  it('a body that is not JSON, or is empty; the message quotes neither the body nor the parser or validator', async () => {
    const broken = await infer(Buffer.from('{"inputs": [secret-words'));
    assertOipError(broken, 400, /not valid JSON/);
    assert.doesNotMatch(broken.json().error, /secret|Unexpected|position/);
    const wrongType = await infer({ inputs: 'secret-words' });
    assertOipError(wrongType, 400, /^invalid inference request: inputs must be an array$/);
    assertOipError(await infer(Buffer.from('')), 400, /send the inference request as the body/);
    assertOipError(
      await app.inject({ method: 'POST', url: inferUrl(), payload: 'inputs=1', headers: { 'content-type': 'text/plain' } }),
      400,
      /not valid JSON/,
    );
  });

  it('a value nested 5,000 deep in data is a 400 at once, not a 500 (its error message used to stringify it)', async () => {
    const deep = `{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","data":${'['.repeat(5000)}1${']'.repeat(5000)}}]}`;
    // The fastest of three: a loaded machine stalls one now and then; a parse of the nesting would slow every one.
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      assertOipError(await infer(Buffer.from(deep)), 400, /nests more than 32 levels deep/);
      times.push(performance.now() - started);
    }
    assert.ok(Math.min(...times) < 500, `took ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    // Brackets inside strings are not nesting.
    const bracketsInAString = await infer({ ...image({}), id: '['.repeat(100) });
    assert.equal(bracketsInAString.statusCode, 200, bracketsInAString.body);
  });

  it('binary: every declared size is checked against the shape and the body before it is believed', async () => {
    const images = toFloat(mnist, 0, 2);
    const { header, body } = binaryRequest(images, 2);
    const send = (payload: Buffer, length: string) => infer(payload, { headers: { 'inference-header-content-length': length } });
    assertOipError(await send(body, String(body.length + 1)), 400, /Inference-Header-Content-Length is \d+ but the body has only/);
    assertOipError(await send(body, '-5'), 400, /must be a byte count/);
    assertOipError(await send(body, '1e3'), 400, /must be a byte count/);
    assertOipError(await send(body, String(header.length - 1)), 400, /not valid JSON/);
    assertOipError(
      await send(body.subarray(0, body.length - 4), String(header.length)),
      400,
      /binary_data_size is 6272 but 6268 bytes follow/,
    );
    assertOipError(await send(Buffer.concat([body, Buffer.alloc(4)]), String(header.length)), 400, /6276 bytes follow/);
    const claims = (size: unknown) => binaryRequest(images, 2, {}, { parameters: { binary_data_size: size } });
    for (const size of [4, 2 ** 40, '6272', -6272]) {
      const lie = claims(size);
      assertOipError(
        await send(lie.body, String(lie.header.length)),
        400,
        /binary_data_size is .*; shape \[2,1,28,28\] of FP32 is 6272 bytes/,
      );
    }
    const both = binaryRequest(images, 2, {}, { data: [0] });
    assertOipError(await send(both.body, String(both.header.length)), 400, /both data and binary_data_size/);
    const jsonOnly = Buffer.from(JSON.stringify(jsonRequest(0, 1)));
    assertOipError(
      await send(Buffer.concat([jsonOnly, Buffer.alloc(8)]), String(jsonOnly.length)),
      400,
      /8 bytes follow the JSON header, but no input declares binary_data_size/,
    );
    const nan = new Float32Array(images);
    nan[5] = NaN;
    const withNaN = binaryRequest(nan, 2);
    assertOipError(await send(withNaN.body, String(withNaN.header.length)), 400, /holds NaN/);
  });

  it('a body over BODY_LIMIT_BYTES is 413', async () => {
    const res = await infer(Buffer.alloc(5 * 1024 * 1024, 0x20));
    assertOipError(res, 413, /body/i);
  });
});

describe('fuzzed OIP v2 inference', () => {
  const RUNS = Math.ceil(Number(process.env.FUZZ_RUNS ?? 1200) / 3);
  // A valid request (JSON or binary, 1–3 images), then up to two of its fields set to any JSON value, and now and then
  // a header length that lies or a body cut short: the requests near the valid one, where the bugs are.
  const PATHS = [
    'id',
    'parameters',
    'parameters.binary_data_output',
    'inputs',
    'inputs.0',
    'inputs.0.name',
    'inputs.0.shape',
    'inputs.0.shape.0',
    'inputs.0.shape.2',
    'inputs.0.datatype',
    'inputs.0.data',
    'inputs.0.data.3',
    'inputs.0.parameters',
    'inputs.0.parameters.binary_data_size',
    'outputs',
    'outputs.0.name',
    'outputs.0.parameters.binary_data',
  ];
  const requests = fc.record({
    n: fc.integer({ min: 1, max: 3 }),
    binary: fc.boolean(),
    binaryOut: fc.boolean(),
    mutations: fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 2 })), { maxLength: 2 }),
    headerLength: fc.oneof(
      { arbitrary: fc.constant(null), weight: 6 },
      fc.integer({ min: -5, max: 20_000 }).map(String),
      fc.string({ maxLength: 8 }),
    ),
    cut: fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, fc.nat()),
  });

  function build({
    n,
    binary,
    binaryOut,
    mutations,
  }: {
    n: number;
    binary: boolean;
    binaryOut: boolean;
    mutations: Array<[string, unknown]>;
  }) {
    const images = toFloat(mnist, 0, n);
    const request: Record<string, unknown> = {
      id: 'fuzz',
      inputs: [
        {
          name: 'image',
          shape: [n, 1, 28, 28],
          datatype: 'FP32',
          ...(binary ? { parameters: { binary_data_size: n * 3136 } } : { data: Array.from(images) }),
        },
      ],
      outputs: [{ name: 'probabilities', parameters: { binary_data: binaryOut } }],
    };
    for (const [path, value] of mutations) {
      const keys = path.split('.');
      let at = request as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) {
        if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
        at = at[key] as Record<string, unknown>;
      }
      at[keys.at(-1)!] = value;
    }
    const header = Buffer.from(JSON.stringify(request));
    return { header, body: binary ? Buffer.concat([header, Buffer.from(images.buffer)]) : header };
  }

  it(`${RUNS} generated requests: every answer is a valid inference response or {"error": "…"} with a 4xx`, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests, async (c) => {
        const { header, body: whole } = build(c);
        const body = c.cut === null ? whole : whole.subarray(0, c.cut % (whole.length + 1));
        const length = c.headerLength ?? (c.binary ? String(header.length) : undefined);
        const headers: Record<string, string> = length === undefined ? {} : { 'inference-header-content-length': length };
        let res;
        try {
          res = await infer(body, { headers });
        } catch (err) {
          if (/Invalid character in header/.test(String(err))) return; // light-my-request refuses it before it is sent
          throw err;
        }
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        assert.ok(res.statusCode < 500, `HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.statusCode === 200)
          return void (res.headers['content-type'] === 'application/octet-stream' ? splitBinary(res) : probabilitiesOf(res));
        assert.equal(typeof res.json().error, 'string', res.body.slice(0, 200));
      }),
      { numRuns: RUNS },
    );
    // The generator must reach both outcomes, or the test proves little.
    assert.ok((seen.get(200) ?? 0) > RUNS / 10 && (seen.get(400) ?? 0) > RUNS / 10, JSON.stringify([...seen]));
  });
});

describe('OIP v2 with API_KEY', () => {
  let keyed: FastifyInstance;
  before(async () => {
    keyed = await build({ API_KEY: KEY });
    await keyed.ready();
  });
  after(() => keyed.close());

  it('inference needs the key, as /predict does; health and metadata stay open', async () => {
    const denied = await infer(jsonRequest(0, 1), { on: keyed });
    assertOipError(denied, 401, /Authorization: Bearer <API_KEY>/);
    assert.match(String(denied.headers['www-authenticate']), /^Bearer/);
    assert.equal((await infer(jsonRequest(0, 1), { on: keyed, headers: { authorization: `Bearer ${KEY}` } })).statusCode, 200);
    for (const url of ['/v2', '/v2/health/live', '/v2/health/ready', `/v2/models/${name}`, `/v2/models/${name}/ready`]) {
      assert.equal((await keyed.inject(url)).statusCode, 200, url);
    }
    // /predict keeps its own error shape beside OIP's
    const predict = await keyed.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/png' },
      payload: await variants.plain(mnist, 0),
    });
    assert.equal(predict.statusCode, 401);
    assert.equal(predict.json().error.code, 'unauthorized');
  });

  it("/predict's parsers are untouched by the OIP routes: JSON there is still 415", async () => {
    const res = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'unsupported_media_type');
  });
});
