// The Open Inference Protocol over gRPC with a real client (@grpc/grpc-js and the vendored .proto files) on a real port:
// every RPC, the same probabilities as REST /v2 and /predict, typed and raw contents, malformed requests and their status
// codes, the API key, a full queue, the repository calls, the health service, metrics, and the drain: in process, and
// as a cluster of two workers sharing GRPC_PORT that SIGTERM drains under load.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadModel, type LoadedModel } from '../src/server/model.js';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { floatsOf, grpc, grpcClient, grpcFailure, rawOf, type OipGrpcClient } from './helpers/grpc-client.js';
import { predictTensors } from './helpers/predict-tensors.js';
import { freePort, startService } from '../harness/service.js';

const { test: mnist } = loadMnist();
const run = promisify(execFile);
const { status } = grpc;
const KEY = 'grpc-test-api-key-0123456789';
const ADMIN = 'grpc-test-admin-token-0123456789';
let model: LoadedModel;
let app: FastifyInstance;
let client: OipGrpcClient;
let name: string;
let version: string;

interface Served {
  app: FastifyInstance;
  client: OipGrpcClient;
}
const build = (env: Record<string, string> = {}) => buildApp(loadConfig({ LOG_LEVEL: 'silent', ...env }), { logger: false, model });
/** An app listening for gRPC on a free port, and a client of it. */
async function serve(env: Record<string, string> = {}): Promise<Served> {
  const served = await build(env);
  await served.ready();
  const port = await served.grpc.listen(0, '127.0.0.1');
  return { app: served, client: grpcClient(`127.0.0.1:${port}`) };
}
async function stop({ app: a, client: c }: Served): Promise<void> {
  c.close();
  await a.close();
}

before(async () => {
  model = await loadModel('models/lenet.onnx', 'cpu', 1);
  ({ app, client } = await serve());
  ({ name, version } = app.modelSlot.current.info);
});
after(async () => {
  await stop({ app, client });
  await model.release();
});

interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: Array<{ name: string; datatype: string; shape: number[]; contents: { fp32_contents: number[] } | null; parameters: object }>;
  raw_output_contents: Buffer[];
}

const input = (n: number, extra: object = {}) => ({ name: 'image', datatype: 'FP32', shape: [n, 1, 28, 28], ...extra });
const typedRequest = (images: Float32Array, n: number, extra: object = {}) => ({
  model_name: name,
  inputs: [input(n, { contents: { fp32_contents: Array.from(images) } })],
  ...extra,
});
const rawRequest = (images: Float32Array, n: number, extra: object = {}) => ({
  model_name: name,
  inputs: [input(n)],
  raw_input_contents: [rawOf(images)],
  ...extra,
});
const infer = (request: object, on = client, metadata?: Record<string, string>) =>
  on.call<InferResponse>('ModelInfer', request, { metadata });

/** The probabilities of a response, from whichever form they came in; `form` says which it must be. */
function probabilitiesOf(res: InferResponse, form: 'typed' | 'raw', n: number): Float32Array {
  assert.equal(res.model_name, name);
  assert.equal(res.model_version, version);
  assert.equal(res.outputs.length, 1);
  const [out] = res.outputs;
  assert.deepEqual(
    { name: out.name, datatype: out.datatype, shape: out.shape },
    { name: 'probabilities', datatype: 'FP32', shape: [n, 10] },
  );
  if (form === 'raw') {
    assert.equal(out.contents, null, 'raw outputs carry no typed contents');
    assert.equal(res.raw_output_contents.length, 1);
    assert.equal(res.raw_output_contents[0].length, n * 40);
    return floatsOf(res.raw_output_contents[0]);
  }
  assert.equal(res.raw_output_contents.length, 0);
  assert.equal(out.contents?.fp32_contents.length, n * 10);
  return Float32Array.from(out.contents!.fp32_contents);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `[${i}] ${a[i]} vs ${b[i]}`);
};

async function assertStatus(promise: Promise<unknown>, code: grpc.status, pattern: RegExp): Promise<void> {
  const err = await grpcFailure(promise);
  assert.equal(err.code, code, `${status[err.code]} (${err.details}); expected ${status[code]}`);
  assert.match(err.details, pattern);
}

/** How a call ended, for the tests that load the server: its answer, or its status code and words. */
type Outcome = { ok: true; res: InferResponse; at: number } | { ok: false; code: grpc.status; details: string; at: number };
const outcome = (call: Promise<InferResponse>): Promise<Outcome> =>
  call.then(
    (res) => ({ ok: true as const, res, at: performance.now() }),
    (err: grpc.ServiceError) => ({ ok: false as const, code: err.code, details: err.details, at: performance.now() }),
  );
/** A call refused during a drain: a new call finds the server gone (its library retried on the refused stream, found no
 * server and says so); a call the server took is never cut off. */
const REFUSED = /No connection established/;

describe('gRPC: health and metadata', () => {
  it('ServerLive, ServerReady and ServerMetadata answer as GET /v2/health/* and GET /v2 do', async () => {
    assert.deepEqual(await client.call('ServerLive', {}), { live: true });
    assert.deepEqual(await client.call('ServerReady', {}), { ready: true });
    const metadata = await client.call('ServerMetadata', {});
    assert.deepEqual(metadata, (await app.inject('/v2')).json());
  });

  it('ModelMetadata and ModelReady, with and without the version, are the served model; another is NOT_FOUND', async () => {
    for (const v of ['', version]) {
      const metadata = await client.call('ModelMetadata', { name, version: v });
      assert.deepEqual(metadata, (await app.inject(`/v2/models/${name}`)).json());
      assert.deepEqual(await client.call('ModelReady', { name, version: v }), { ready: true });
    }
    for (const method of ['ModelMetadata', 'ModelReady']) {
      await assertStatus(client.call(method, { name: 'resnet' }), status.NOT_FOUND, /unknown model "resnet"; this server serves "lenet"/);
      await assertStatus(client.call(method, { name, version: 'nope' }), status.NOT_FOUND, /no version "nope"/);
    }
  });

  it('grpc.health.v1: SERVING for the server and for inference.GRPCInferenceService; an unknown service is NOT_FOUND', async () => {
    for (const service of ['', 'inference.GRPCInferenceService'])
      assert.deepEqual(await client.call('Check', { service }), { status: 'SERVING' });
    await assertStatus(client.call('Check', { service: 'nope' }), status.NOT_FOUND, /no health status for service "nope"/);
    const { statuses } = await client.call<{ statuses: Record<string, { status: string }> }>('List', {});
    assert.deepEqual(Object.keys(statuses).sort(), ['', 'inference.GRPCInferenceService']);
  });
});

describe('gRPC: while starting', () => {
  it('gRPC listens before HTTP: until the app is ready, health is NOT_SERVING, ServerReady false, ModelInfer UNAVAILABLE', async () => {
    const starting = await build();
    const port = await starting.grpc.listen(0, '127.0.0.1');
    const early = grpcClient(`127.0.0.1:${port}`);
    try {
      assert.deepEqual(await early.call('ServerLive', {}), { live: true });
      assert.deepEqual(await early.call('ServerReady', {}), { ready: false });
      assert.deepEqual(await early.call('Check', { service: '' }), { status: 'NOT_SERVING' });
      await assertStatus(infer(rawRequest(toFloat(mnist, 0, 1), 1), early), status.UNAVAILABLE, /the server is starting: retry shortly/);
      await starting.ready();
      assert.deepEqual(await early.call('Check', { service: '' }), { status: 'SERVING' });
      probabilitiesOf(await infer(rawRequest(toFloat(mnist, 0, 1), 1), early), 'raw', 1);
    } finally {
      await stop({ app: starting, client: early });
    }
  });
});

describe('gRPC: ModelInfer', () => {
  it("24 MNIST images give /predict's probabilities and REST /v2's, typed and raw alike", async () => {
    const n = 24;
    const { tensors, expected } = await predictTensors(app, mnist, n); // what /predict ran, and answered
    const rest = await app.inject({
      method: 'POST',
      url: `/v2/models/${name}/infer`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ inputs: [{ ...input(n), data: Array.from(tensors) }] }),
    });
    assert.equal(rest.statusCode, 200, rest.body);
    const viaRest = Float32Array.from(rest.json().outputs[0].data as number[]);

    const typed = probabilitiesOf(await infer(typedRequest(tensors, n, { id: 'mnist-24' })), 'typed', n);
    const raw = probabilitiesOf(await infer(rawRequest(tensors, n)), 'raw', n);
    close(typed, expected, 1e-6);
    assert.deepEqual(typed, viaRest, 'gRPC and REST /v2 run the same tensors through the same model');
    assert.deepEqual(raw, typed, 'raw and typed contents are the same tensor');
  });

  it("outputs go typed or raw as asked (REST's binary_data parameters); unasked, as the inputs came; the id is echoed", async () => {
    const n = 3;
    const images = toFloat(mnist, 300, n);
    const reference = probabilitiesOf(await infer(typedRequest(images, n)), 'typed', n);
    const param = (b: boolean) => ({ bool_param: b });
    const cases: Array<[string, object, 'typed' | 'raw']> = [
      ['raw in, nothing asked', rawRequest(images, n), 'raw'],
      ['typed in, binary_data_output', typedRequest(images, n, { parameters: { binary_data_output: param(true) } }), 'raw'],
      ['raw in, binary_data_output false', rawRequest(images, n, { parameters: { binary_data_output: param(false) } }), 'typed'],
      [
        "typed in, the output's binary_data",
        typedRequest(images, n, { outputs: [{ name: 'probabilities', parameters: { binary_data: param(true) } }] }),
        'raw',
      ],
      [
        "the output's binary_data false over binary_data_output",
        rawRequest(images, n, {
          parameters: { binary_data_output: param(true) },
          outputs: [{ name: 'probabilities', parameters: { binary_data: param(false) } }],
        }),
        'typed',
      ],
      ['the output named, no parameters', typedRequest(images, n, { outputs: [{ name: 'probabilities' }] }), 'typed'],
    ];
    for (const [what, request, form] of cases) assert.deepEqual(probabilitiesOf(await infer(request), form, n), reference, what);
    assert.equal((await infer(typedRequest(images, n, { id: 'abc-1' }))).id, 'abc-1');
    assert.equal((await infer(typedRequest(images, n))).id, '');
    assert.deepEqual(
      probabilitiesOf(await infer(typedRequest(images, n, { model_version: version })), 'typed', n),
      reference,
      'the versioned model',
    );
  });

  it("raw MNIST test images: the model's own probabilities and the right digits", async () => {
    const n = 64;
    const probabilities = probabilitiesOf(await infer(rawRequest(toFloat(mnist, 100, n), n)), 'raw', n);
    close(probabilities, await model.run(toFloat(mnist, 100, n), n), 1e-6);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(probabilities.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === mnist.labels[100 + i]) correct++;
    }
    assert.ok(correct >= 62, `${correct}/64 right`);
  });

  it('more calls at once than one connection may carry (128) wait their turn in the client: all 300 answered', async () => {
    const request = rawRequest(toFloat(mnist, 0, 1), 1);
    const answers = await Promise.all(Array.from({ length: 300 }, () => infer(request)));
    assert.equal(answers.filter((a) => a.raw_output_contents.length === 1).length, 300);
  });

  it("/metrics counts and times gRPC calls by method and code, beside REST's", async () => {
    await infer(rawRequest(toFloat(mnist, 0, 1), 1));
    await grpcFailure(client.call('ModelMetadata', { name: 'resnet' }));
    const text = (await app.inject('/metrics')).body;
    assert.match(
      text,
      /^grpc_server_handled_total\{grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer",grpc_code="OK"\} [1-9]\d*$/m,
    );
    assert.match(
      text,
      /^grpc_server_handled_total\{grpc_service="inference.GRPCInferenceService",grpc_method="ModelMetadata",grpc_code="NOT_FOUND"\} [1-9]/m,
    );
    assert.match(
      text,
      /^grpc_server_handling_seconds_count\{grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer"\} [1-9]/m,
    );
    assert.match(text, /^http_requests_total\{/m);
  });
});

describe('gRPC: malformed requests get INVALID_ARGUMENT (or the code that says why), never INTERNAL', () => {
  const one = toFloat(mnist, 0, 1);
  const two = toFloat(mnist, 0, 2);
  const values = (count: number, at?: [number, number]) => {
    const v = new Array(count).fill(0.5);
    if (at) v[at[0]] = at[1];
    return v;
  };
  const withInput = (extra: object, request: object = {}) => ({
    model_name: 'lenet',
    inputs: [input(1, { contents: { fp32_contents: values(784) }, ...extra })],
    ...request,
  });
  const nanRaw = Float32Array.from(two);
  nanRaw[7] = Infinity;
  const cases: Array<[string, () => object, grpc.status, RegExp]> = [
    ['an unknown model', () => withInput({}, { model_name: 'resnet' }), status.NOT_FOUND, /unknown model "resnet"/],
    ['an unknown version', () => withInput({}, { model_version: '9' }), status.NOT_FOUND, /no version "9"/],
    ['no inputs', () => ({ model_name: name }), status.INVALID_ARGUMENT, /expected one input tensor "image", got 0/],
    ['two inputs', () => ({ model_name: name, inputs: [input(1), input(1)] }), status.INVALID_ARGUMENT, /got 2/],
    ['a wrong input name', () => withInput({ name: 'input0' }), status.INVALID_ARGUMENT, /unknown input "input0"/],
    ['FP64', () => withInput({ datatype: 'FP64' }), status.INVALID_ARGUMENT, /must be FP32, got "FP64"/],
    ['UINT8', () => withInput({ datatype: 'UINT8' }), status.INVALID_ARGUMENT, /must be FP32, got "UINT8"/],
    ['no datatype', () => withInput({ datatype: '' }), status.INVALID_ARGUMENT, /must be FP32/],
    [
      'the shape of another model',
      () => withInput({ shape: [1, 784] }),
      status.INVALID_ARGUMENT,
      /shape \[1,784\]; the model takes \[-1,1,28,28\]/,
    ],
    ['a wrong image size', () => withInput({ shape: [1, 1, 32, 32] }), status.INVALID_ARGUMENT, /the model takes/],
    ['no shape', () => withInput({ shape: [] }), status.INVALID_ARGUMENT, /shape \[\]/],
    ['a negative batch', () => withInput({ shape: [-1, 1, 28, 28] }), status.INVALID_ARGUMENT, /shape\[0\] -1/],
    ['an empty batch', () => withInput({ shape: [0, 1, 28, 28], contents: {} }), status.INVALID_ARGUMENT, /batch is empty/],
    [
      'a batch over BATCH_MAX_SIZE',
      () => withInput({ shape: [257, 1, 28, 28] }),
      status.INVALID_ARGUMENT,
      /batch of 257 images is over this server's limit of 256/,
    ],
    [
      'a batch past 2^53',
      () => withInput({ shape: ['1152921504606846976', 1, 28, 28] }),
      status.INVALID_ARGUMENT,
      /shape\[0\]|over this server's limit/,
    ],
    [
      'too few values',
      () => withInput({ contents: { fp32_contents: values(783) } }),
      status.INVALID_ARGUMENT,
      /needs 784 values, contents.fp32_contents has 783/,
    ],
    ['too many values', () => withInput({ contents: { fp32_contents: values(785) } }), status.INVALID_ARGUMENT, /has 785/],
    ['no contents', () => withInput({ contents: undefined }), status.INVALID_ARGUMENT, /has 0/],
    ['int_contents', () => withInput({ contents: { int_contents: values(784) } }), status.INVALID_ARGUMENT, /not contents.int_contents/],
    ['fp64_contents', () => withInput({ contents: { fp64_contents: values(784) } }), status.INVALID_ARGUMENT, /not contents.fp64_contents/],
    [
      'bytes_contents',
      () => withInput({ contents: { bytes_contents: [Buffer.alloc(3136)] } }),
      status.INVALID_ARGUMENT,
      /not contents.bytes_contents/,
    ],
    [
      'contents and raw both',
      () => ({ ...withInput({}), raw_input_contents: [rawOf(one)] }),
      status.INVALID_ARGUMENT,
      /both contents.fp32_contents and raw_input_contents/,
    ],
    [
      'raw 4 bytes short',
      () => rawRequest(two.subarray(0, 2 * 784 - 1), 2),
      status.INVALID_ARGUMENT,
      /raw_input_contents\[0\] is 6268 bytes; shape \[2,1,28,28\] of FP32 is 6272 bytes/,
    ],
    [
      'raw 3 bytes over',
      () => ({ ...rawRequest(two, 2), raw_input_contents: [Buffer.concat([rawOf(two), Buffer.alloc(3)])] }),
      status.INVALID_ARGUMENT,
      /6275 bytes/,
    ],
    [
      'two raw tensors',
      () => ({ ...rawRequest(one, 1), raw_input_contents: [rawOf(one), rawOf(one)] }),
      status.INVALID_ARGUMENT,
      /holds 2 tensors/,
    ],
    [
      'NaN among the typed values',
      () => withInput({ contents: { fp32_contents: values(784, [5, NaN]) } }),
      status.INVALID_ARGUMENT,
      /holds NaN/,
    ],
    ['Infinity among the raw bytes', () => rawRequest(nanRaw, 2), status.INVALID_ARGUMENT, /holds Infinity/],
    ['an unknown output', () => withInput({}, { outputs: [{ name: 'logits' }] }), status.INVALID_ARGUMENT, /unknown output "logits"/],
    [
      'an output asked twice',
      () => withInput({}, { outputs: [{ name: 'probabilities' }, { name: 'probabilities' }] }),
      status.INVALID_ARGUMENT,
      /requested twice/,
    ],
    [
      'binary_data_output a string',
      () => withInput({}, { parameters: { binary_data_output: { string_param: 'yes' } } }),
      status.INVALID_ARGUMENT,
      /binary_data_output must be true or false/,
    ],
    [
      'binary_data an integer',
      () => withInput({}, { outputs: [{ name: 'probabilities', parameters: { binary_data: { int64_param: 1 } } }] }),
      status.INVALID_ARGUMENT,
      /binary_data must be true or false/,
    ],
  ];
  for (const [what, request, code, pattern] of cases) {
    it(what, () => assertStatus(infer(request()), code, pattern));
  }

  it('a message over BODY_LIMIT_BYTES is RESOURCE_EXHAUSTED, refused before it is read; the connection keeps serving', async () => {
    const huge = new Float32Array(256 * 784 * 6); // 4.8 MB > 4 MiB
    await assertStatus(
      infer({ model_name: name, inputs: [input(256 * 6)], raw_input_contents: [rawOf(huge)] }),
      status.RESOURCE_EXHAUSTED,
      /larger than max/,
    );
    assert.deepEqual(await client.call('ServerLive', {}), { live: true });
  });

  it('a batch over BATCH_MAX_SIZE is INVALID_ARGUMENT; one that overflows the queue is RESOURCE_EXHAUSTED', async () => {
    const small = await serve({ BATCH_MAX_SIZE: '8', QUEUE_MAX: '4' });
    try {
      probabilitiesOf(await infer(rawRequest(toFloat(mnist, 0, 4), 4), small.client), 'raw', 4);
      await assertStatus(
        infer(rawRequest(toFloat(mnist, 0, 9), 9), small.client),
        status.INVALID_ARGUMENT,
        /batch of 9 images is over this server's limit of 8/,
      );
      // A call's images are queued together: 5 of them overflow a queue of 4 (REST answers the same with 503).
      await assertStatus(
        infer(rawRequest(toFloat(mnist, 0, 5), 5), small.client),
        status.RESOURCE_EXHAUSTED,
        /the inference queue is full \(4 waiting\); retry shortly/,
      );
      // Calls that arrive together while a batch runs fill the queue: the ones past it are refused, the others served.
      const outcomes = await Promise.all(
        Array.from({ length: 32 }, () => outcome(infer(rawRequest(toFloat(mnist, 0, 4), 4), small.client))),
      );
      const refused = outcomes.filter((o) => !o.ok);
      assert.ok(refused.length >= 1 && refused.length < 32, `${refused.length} of 32 calls found the queue full`);
      for (const o of refused)
        assert.ok(o.code === status.RESOURCE_EXHAUSTED && /queue is full/.test(o.details), `${status[o.code]}: ${o.details}`);
    } finally {
      await stop(small);
    }
  });
});

describe('examples/grpc-infer.mjs', () => {
  it("the README's example client reads examples/digit.png as /predict does: a 7, with the same probabilities", async () => {
    const port = await app.grpc.listen(0, '127.0.0.1');
    const { stdout } = await run(process.execPath, ['examples/grpc-infer.mjs', 'examples/digit.png', `127.0.0.1:${port}`]);
    const answer = JSON.parse(stdout);
    assert.equal(answer.digit, 7, stdout);
    assert.equal(answer.model, name);
    const predict = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/png' },
      payload: readFileSync('examples/digit.png'),
    });
    close(answer.probabilities, predict.json().probabilities, 1e-4); // printed to 4 decimals
  });
});

describe('gRPC: keys and the repository calls', () => {
  let keyed: Served;
  before(async () => (keyed = await serve({ API_KEY: KEY, ADMIN_TOKEN: ADMIN })));
  after(() => stop(keyed));

  it('ModelInfer needs API_KEY as "authorization: Bearer" metadata; health and metadata stay open', async () => {
    const request = rawRequest(toFloat(mnist, 0, 1), 1);
    await assertStatus(
      infer(request, keyed.client),
      status.UNAUTHENTICATED,
      /missing authorization: send the metadata "authorization: Bearer <API_KEY>"/,
    );
    for (const wrong of [`Bearer ${KEY}x`, KEY, `Basic ${KEY}`, `Bearer ${ADMIN}`, 'Bearer']) {
      await assertStatus(infer(request, keyed.client, { authorization: wrong }), status.UNAUTHENTICATED, /invalid authorization/);
    }
    for (const right of [`Bearer ${KEY}`, `bearer ${KEY}`])
      probabilitiesOf(await infer(request, keyed.client, { authorization: right }), 'raw', 1);
    for (const method of ['ServerLive', 'ServerReady', 'ServerMetadata']) await keyed.client.call(method, {});
    await keyed.client.call('ModelMetadata', { name });
    await keyed.client.call('Check', { service: '' });
  });

  it('RepositoryModelLoad reloads the model as /admin/reload does, with ADMIN_TOKEN; Unload is refused', async () => {
    const admin = { authorization: `Bearer ${ADMIN}` };
    await assertStatus(keyed.client.call('RepositoryModelLoad', { model_name: name }), status.UNAUTHENTICATED, /Bearer <ADMIN_TOKEN>/);
    await assertStatus(
      keyed.client.call('RepositoryModelLoad', { model_name: name }, { metadata: { authorization: `Bearer ${KEY}` } }),
      status.UNAUTHENTICATED,
      /invalid/,
    );
    await assertStatus(
      keyed.client.call('RepositoryModelLoad', { model_name: 'resnet' }, { metadata: admin }),
      status.NOT_FOUND,
      /unknown model "resnet"/,
    );
    const before = keyed.app.modelSlot.current;
    assert.deepEqual(await keyed.client.call('RepositoryModelLoad', { model_name: name }, { metadata: admin }), {});
    assert.notEqual(keyed.app.modelSlot.current, before, 'a freshly loaded model serves');
    assert.equal(keyed.app.modelSlot.current.info.sha256, before.info.sha256);
    assert.match((await keyed.app.inject('/metrics')).body, /^lenet_model_reloads_total\{result="swapped"\} 1$/m);
    probabilitiesOf(await infer(rawRequest(toFloat(mnist, 0, 1), 1), keyed.client, { authorization: `Bearer ${KEY}` }), 'raw', 1);
    await assertStatus(
      keyed.client.call('RepositoryModelUnload', { model_name: name }, { metadata: admin }),
      status.FAILED_PRECONDITION,
      /does not unload it/,
    );
  });

  it('without ADMIN_TOKEN the repository calls are UNIMPLEMENTED, in our words', async () => {
    for (const method of ['RepositoryModelLoad', 'RepositoryModelUnload']) {
      await assertStatus(client.call(method, { model_name: name }), status.UNIMPLEMENTED, /set ADMIN_TOKEN/);
    }
  });
});

describe('gRPC: drain', () => {
  it('close finishes every call the server took, new ones find it gone (UNAVAILABLE), and health watches end with NOT_SERVING', async () => {
    // One call per batch: 32 calls of 64 images take a while to run, so that close() finds most of them in flight.
    // The queue holds every image of the 36 calls (2,304), so a slow machine refuses none for a full queue.
    const draining = await serve({ BATCH_MAX_SIZE: '64', QUEUE_MAX: '4096' });
    const watch = draining.client.watch('');
    const seen: string[] = [];
    watch.on('data', ({ status: s }) => seen.push(s));
    const ended = new Promise<void>((resolve) => watch.on('status', () => resolve()));
    await new Promise((r) => watch.once('data', r));
    const batch = toFloat(mnist, 0, 64);
    const expected = probabilitiesOf(await infer(rawRequest(batch, 64), draining.client), 'raw', 64);
    const calls = Array.from({ length: 32 }, () => outcome(infer(rawRequest(batch, 64), draining.client)));
    await Promise.race(calls);
    const closeStarted = performance.now();
    const closed = draining.app.close();
    const late = Array.from({ length: 4 }, () => outcome(infer(rawRequest(batch, 64), draining.client)));
    const outcomes = await Promise.all([...calls, ...late]);
    await closed;
    await ended;
    draining.client.close();

    const ok = outcomes.filter((o) => o.ok);
    for (const o of ok) assert.deepEqual(probabilitiesOf(o.res, 'raw', 64), expected);
    for (const o of outcomes)
      if (!o.ok) assert.ok(o.code === status.UNAVAILABLE && REFUSED.test(o.details), `${status[o.code]}: ${o.details}`);
    assert.ok(
      ok.some((o) => o.at > closeStarted),
      'some calls were still running when close began, and finished',
    );
    // Every call the server took was answered: its own count of ModelInfer calls answered OK is the client's.
    const handled = (await draining.app.metrics.registry.getSingleMetric('grpc_server_handled_total')!.get()).values;
    const count = (code: string) =>
      handled.filter((v) => v.labels.grpc_method === 'ModelInfer' && v.labels.grpc_code === code).reduce((n, v) => n + v.value, 0);
    assert.equal(count('OK'), ok.length + 1);
    assert.equal(
      handled.filter((v) => v.labels.grpc_method === 'ModelInfer' && !['OK', 'UNAVAILABLE'].includes(String(v.labels.grpc_code))).length,
      0,
    );
    assert.deepEqual(seen, ['SERVING', 'NOT_SERVING']);
    console.log(
      `drain in process: ${ok.length} of ${outcomes.length} calls OK (${ok.filter((o) => o.at > closeStarted).length} finished during the drain), the rest refused`,
    );
  });
});

describe('gRPC in a cluster: WORKERS=2 share GRPC_PORT evenly, and SIGTERM drains both under load', () => {
  it('the primary hands connections to the worker holding fewest; under load SIGTERM loses no call: each is answered or refused UNAVAILABLE', async () => {
    const grpcPort = await freePort();
    const service = await startService({ WORKERS: '2', GRPC_PORT: String(grpcPort), LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '20000' });
    const clients: OipGrpcClient[] = [];
    // Each client its own connection (grpc-js shares one per address unless told otherwise): the primary hands each to the
    // worker holding the fewest.
    const connect = () => {
      const c = grpcClient(`127.0.0.1:${grpcPort}`, { 'grpc.use_local_subchannel_pool': 1 });
      clients.push(c);
      return c;
    };
    try {
      // The primary says it is ready once every worker listens (each binds GRPC_PORT before PORT).
      for (let i = 0; i < 600 && !/"role":"primary".*"msg":"ready: open/.test(service.log()); i++)
        await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 6; i++) await grpcFailure(connect().call('ModelMetadata', { name: `nobody-${i}` }));
      // Six connections opened one after another: three to each worker (taking them from a shared socket, the workers
      // split them as it happened, all six to one at times). Each call's log line comes through a pipe after its
      // answer: wait (5 s at most) for all six.
      const answeredBy = () => {
        const counts = new Map<number, number>();
        for (const line of service.log().split('\n')) {
          if (!line.includes('"transport":"grpc"') || !line.includes('"grpcMethod":"ModelMetadata"')) continue;
          const { pid } = JSON.parse(line) as { pid: number };
          counts.set(pid, (counts.get(pid) ?? 0) + 1);
        }
        return counts;
      };
      const total = () => [...answeredBy().values()].reduce((n, c) => n + c, 0);
      for (let i = 0; i < 100 && total() < 6; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([...answeredBy().values()], [3, 3], `ModelMetadata calls answered by pid: ${JSON.stringify([...answeredBy()])}`);
      // Short-lived connections, one after another (each closed before the next opens): ties are taken in turn, so both
      // workers get some (the first worker took every one of them before).
      for (let i = 0; i < 4; i++) {
        const shortLived = grpcClient(`127.0.0.1:${grpcPort}`, { 'grpc.use_local_subchannel_pool': 1 });
        await grpcFailure(shortLived.call('ModelMetadata', { name: `short-${i}` }));
        shortLived.close();
        await new Promise((r) => setTimeout(r, 100));
      }
      for (let i = 0; i < 100 && total() < 10; i++) await new Promise((r) => setTimeout(r, 50));
      const after = [...answeredBy().values()];
      assert.ok(
        after.length === 2 && after.every((n) => n >= 4),
        `ModelMetadata calls answered by pid: ${JSON.stringify([...answeredBy()])}`,
      );

      const batch = toFloat(mnist, 0, 64);
      const request = rawRequest(batch, 64);
      const expected = probabilitiesOf(await infer(request, clients[0]), 'raw', 64);
      // Load: every client keeps two calls going, from a second before SIGTERM until a second after it.
      let stopAt = Infinity;
      const outcomes: Outcome[] = [];
      const loops = clients.flatMap((c) =>
        [0, 1].map(async () => {
          while (Date.now() < stopAt) outcomes.push(await outcome(infer(request, c)));
        }),
      );
      await new Promise((r) => setTimeout(r, 1000));
      const signalledAt = performance.now();
      service.child.kill('SIGTERM');
      stopAt = Date.now() + 1000;
      await Promise.all(loops);
      const ok = outcomes.filter((o) => o.ok);
      for (const o of ok) assert.deepEqual(probabilitiesOf(o.res, 'raw', 64), expected);
      for (const o of outcomes)
        if (!o.ok) assert.ok(o.code === status.UNAVAILABLE && REFUSED.test(o.details), `${status[o.code]}: ${o.details}`);
      assert.ok(
        ok.some((o) => o.at > signalledAt),
        'calls in flight at SIGTERM finished during the drain',
      );
      assert.equal(await service.exited, 0, service.log().slice(-2000));
      console.log(
        `cluster drain: ${outcomes.length} calls, ${ok.length} OK (${ok.filter((o) => o.at > signalledAt).length} after SIGTERM), ` +
          `${outcomes.length - ok.length} refused UNAVAILABLE`,
      );
    } finally {
      for (const c of clients) c.close();
      service.child.kill('SIGKILL');
    }
  });
});
