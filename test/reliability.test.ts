// Auth, hot reload, overload and metrics, over app.inject and a real port, with the real model and real images.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { fixedBatchModel, modelDir, replaceModel } from './helpers/models.js';
import { assertMatchesContract } from './helpers/openapi.js';

const card = JSON.parse(readFileSync('models/lenet.json', 'utf8'));
const { test: mnist } = loadMnist();
const API_KEY = 'test-api-key-0123456789';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let png: Buffer;
before(async () => {
  png = await variants.plain(mnist, 0);
});

async function appWith(env: Record<string, string>): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', PREPROCESS_THREADS: '1', ...env }), {
    logger: false,
  });
  await app.ready();
  return app;
}

const predict = (app: FastifyInstance, headers: Record<string, string> = {}, body = png) =>
  app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'image/png', ...headers }, payload: body });

describe('API key', () => {
  let app: FastifyInstance;
  before(async () => (app = await appWith({ API_KEY })));
  after(() => app.close());

  it('POST /predict without a key, with a wrong key, or another scheme → 401 JSON with WWW-Authenticate', async () => {
    for (const headers of [{}, bearer('wrong-key-0123456789abc'), { authorization: `Basic ${API_KEY}` }, bearer(API_KEY.slice(0, -1))]) {
      const res = await predict(app, headers);
      assert.equal(res.statusCode, 401, JSON.stringify(headers));
      assert.equal(res.json().error.code, 'unauthorized');
      assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
      assertMatchesContract('/predict', 'post', 401, res.json());
    }
  });

  it('with the key → 200; health and metrics stay open', async () => {
    const res = await predict(app, bearer(API_KEY));
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().digit, mnist.labels[0]);
    for (const url of ['/health', '/health/ready', '/metrics']) assert.equal((await app.inject(url)).statusCode, 200, url);
  });

  it('METRICS_REQUIRE_KEY protects /metrics with the same key', async () => {
    const locked = await appWith({ API_KEY, METRICS_REQUIRE_KEY: 'true' });
    try {
      assert.equal((await locked.inject('/metrics')).statusCode, 401);
      assert.equal((await locked.inject({ url: '/metrics', headers: bearer(API_KEY) })).statusCode, 200);
      assert.equal((await locked.inject('/health/ready')).statusCode, 200);
    } finally {
      await locked.close();
    }
  });

  it('a key shorter than 16 characters is a configuration error', () => {
    assert.throws(() => loadConfig({ API_KEY: 'short' }), /API_KEY.*at least 16/s);
  });

  it('without API_KEY or ADMIN_TOKEN, /predict is open and /admin/reload does not exist', async () => {
    const open = await appWith({});
    try {
      assert.equal((await predict(open)).statusCode, 200);
      assert.equal((await open.inject({ method: 'POST', url: '/admin/reload' })).statusCode, 404);
    } finally {
      await open.close();
    }
  });
});

describe('hot reload through POST /admin/reload', () => {
  const { modelPath, other } = modelDir();
  let app: FastifyInstance;
  before(async () => (app = await appWith({ MODEL_PATH: modelPath, ADMIN_TOKEN })));
  after(() => app.close());
  const reload = (token = ADMIN_TOKEN) => app.inject({ method: 'POST', url: '/admin/reload', headers: bearer(token) });
  const servingSha = async () => (await app.inject('/health/ready')).json().model.sha256;

  it('needs the admin token', async () => {
    assert.equal((await reload('not-the-admin-token-000')).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/admin/reload' })).statusCode, 401);
  });

  it('a good new file is swapped in while traffic continues; every request is answered 200', async () => {
    assert.equal(await servingSha(), card.sha256);
    replaceModel(modelPath, other);
    const traffic = Array.from({ length: 60 }, () => predict(app));
    const res = await reload();
    const answers = await Promise.all([...traffic, predict(app)]);
    assert.equal(res.statusCode, 200, res.body);
    assertMatchesContract('/admin/reload', 'post', 200, res.json());
    assert.equal(res.json().model.version, 'reload-test');
    assert.notEqual(res.json().model.sha256, card.sha256);
    assert.ok(answers.every((a) => a.statusCode === 200));
    // Requests that started before the swap may name either model; the one after it names the new one.
    assert.equal(answers.at(-1)!.json().model.sha256, res.json().model.sha256);
    assert.equal(await servingSha(), res.json().model.sha256);
  });

  it('a bad file is rejected with 422 and the current model keeps serving', async () => {
    const before = await servingSha();
    for (const bad of ['not an onnx model', readFileSync('models/lenet.onnx').subarray(0, 5000)]) {
      replaceModel(modelPath, bad);
      const res = await reload();
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().error.code, 'model_rejected');
      assert.match(res.json().error.message, /still serving the previous model/);
      assert.equal(await servingSha(), before);
      assert.equal((await predict(app)).statusCode, 200);
    }
    // A valid ONNX model that cannot serve batches of every size, named without the server's directories.
    replaceModel(modelPath, fixedBatchModel(2));
    const res = await reload();
    assert.equal(res.statusCode, 422);
    assert.match(res.json().error.message, /^lenet\.onnx: input "image" has its batch dimension fixed at 2/);
    assert.ok(!res.json().error.message.includes(path.dirname(modelPath)), res.json().error.message);
    assert.equal(await servingSha(), before);
    assert.equal((await predict(app)).statusCode, 200);
    const metrics = (await app.inject('/metrics')).body;
    assert.match(metrics, /lenet_model_reloads_total\{result="rejected"\} 3/);
    assert.match(metrics, /lenet_model_reloads_total\{result="swapped"\} 1/);
  });
});

describe('overload', () => {
  it('a full inference queue answers 503 with Retry-After, and everything else is served', async () => {
    // The first image waits up to 300 ms for company in a batch of 2, filling the queue of 1: what else arrives then is
    // refused. (Without the wait, whether 64 requests overlap at all depends on the Node release and the machine: each
    // can be read, preprocessed and run before the next one is parsed.)
    const app = await appWith({
      QUEUE_MAX: '1',
      BATCH_MAX_SIZE: '2',
      BATCH_MAX_DELAY_MS: '300',
      PORT: '0',
      HOST: '127.0.0.1',
      PREPROCESS_THREADS: '0',
    });
    try {
      const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/predict`;
      const responses = await Promise.all(
        Array.from({ length: 64 }, () =>
          fetch(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 200 || s === 503),
        `unexpected statuses ${[...new Set(statuses)]}`,
      );
      assert.ok(statuses.includes(503), 'the queue never filled');
      assert.ok(statuses.includes(200));
      const refused = responses.find((r) => r.status === 503)!;
      assert.equal(refused.headers.get('retry-after'), '1');
      const body = await refused.json();
      assert.equal(body.error.code, 'overloaded');
      assertMatchesContract('/predict', 'post', 503, body);
      // Once the burst is over the service answers normally again.
      assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) })).status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests by route and status, and reports batches, preprocessing paths, queue depth and wait, and provider', async () => {
    const app = await appWith({});
    try {
      await Promise.all([
        predict(app),
        predict(app),
        predict(app, {}, await variants.rgb280(mnist, 1)),
        predict(app, {}, Buffer.from('nope')),
      ]);
      const res = await app.inject('/metrics');
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/plain/);
      const text = res.body;
      assert.match(text, /http_requests_total\{method="POST",route="\/predict",status="200"\} 3/);
      assert.match(text, /http_requests_total\{method="POST",route="\/predict",status="415"\} 1/);
      assert.match(text, /http_request_duration_seconds_count\{method="POST",route="\/predict"\} 4/);
      assert.match(text, /lenet_preprocess_duration_seconds_count\{path="inline"\} 2/);
      assert.match(text, /lenet_preprocess_duration_seconds_count\{path="worker"\} 1/);
      assert.match(text, /lenet_batch_size_sum 3/);
      assert.match(text, /lenet_inference_duration_seconds_count \d+/);
      assert.match(text, /lenet_queue_depth 0/);
      assert.match(text, /lenet_queue_wait_seconds_count 3/, 'every image that reached the model says how long it waited');
      assert.match(
        text,
        new RegExp(`lenet_model_info\\{name="lenet",version="${card.version}",sha256="${card.sha256}",execution_provider="cpu"\\} 1`),
      );
      assert.match(text, /process_resident_memory_bytes \d+/);
    } finally {
      await app.close();
    }
  });
});
