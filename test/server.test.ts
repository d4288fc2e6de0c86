// The service over real HTTP semantics (app.inject), with the committed model, real sharp and real MNIST PNGs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadModel } from '../src/server/model.js';
import { loadMnist } from '../src/train/mnist.js';
import { BLUR_SVG, pngDeclaring, tiffPages } from './helpers/images.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { assertMatchesContract } from './helpers/openapi.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });
// Every warning the process emits while this file builds and drives apps: a deprecation is printed at each start.
const warnings: Error[] = [];
process.on('warning', (w) => warnings.push(w));
const card = JSON.parse(readFileSync('models/lenet.json', 'utf8'));
const { test: mnist } = loadMnist();
let app: FastifyInstance;

before(async () => {
  app = await buildApp(config, { logger: false });
  await app.ready();
});
after(() => app.close());

const postImage = (body: Buffer, type = 'image/png', url = '/predict') =>
  app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: body });

function multipart(parts: Array<{ field: string; filename?: string; body: Buffer | string }>) {
  const boundary = '----lenet' + Math.random().toString(16).slice(2);
  const chunks = parts.flatMap((p) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n` +
        (p.filename ? 'Content-Type: image/png\r\n' : '') +
        '\r\n',
    ),
    Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body),
    Buffer.from('\r\n'),
  ]);
  return {
    payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function accuracy(render: (i: number) => Promise<Buffer>, count: number): Promise<number> {
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const res = await postImage(await render(i));
    assert.equal(res.statusCode, 200, res.body);
    if (res.json().digit === mnist.labels[i]) correct++;
  }
  return correct / count;
}

describe('POST /predict with MNIST test digits', () => {
  // The variants are held to the plain pictures' accuracy, measured once by whichever test asks first.
  let plain: Promise<number> | undefined;
  const plain1000 = () => (plain ??= accuracy((i) => variants.plain(mnist, i), 1000));

  it('the whole 10k test set sent as PNGs matches the model card within 0.3 pp', async () => {
    const acc = await accuracy((i) => variants.plain(mnist, i), mnist.count);
    assert.ok(Math.abs(acc - card.testAccuracy) <= 0.003, `HTTP accuracy ${acc} vs model card ${card.testAccuracy}`);
  });

  it('reference: the first 1,000 as plain PNGs', async () => {
    assert.ok((await plain1000()) > 0.98);
  });

  for (const name of ['inverted', 'rgb280', 'rgbaTransparent', 'smallOffCentre'] as const) {
    it(`${name}: at least 97% of the plain accuracy`, async () => {
      const acc = await accuracy((i) => variants[name](mnist, i), 1000);
      const reference = await plain1000();
      assert.ok(acc >= 0.97 * reference, `${name} ${acc} vs plain ${reference}`);
    });
  }

  it('answers the documented shape, probabilities summing to 1, and names the model and provider', async () => {
    const res = await postImage(await variants.plain(mnist, 0));
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assertMatchesContract('/predict', 'post', 200, body);
    assert.equal(body.digit, mnist.labels[0]);
    assert.ok(Math.abs(body.probabilities.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
    assert.equal(body.confidence, Math.max(...body.probabilities));
    assert.deepEqual(body.model, { name: card.name, version: card.version, sha256: card.sha256 });
    assert.equal(body.executionProvider, 'cpu');
  });

  it('?debug=1 shows the 28×28 input the model saw', async () => {
    const res = await postImage(await variants.smallOffCentre(mnist, 3), 'image/png', '/predict?debug=1');
    const body = res.json();
    assertMatchesContract('/predict', 'post', 200, body);
    const png = Buffer.from(body.input.split(',')[1], 'base64');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [28, 28]);
    assert.equal(data[0], 0, 'background is black');
    assert.ok(Math.max(...data) > 200, 'the digit is white');
  });

  it('accepts JPEG, WebP, GIF, TIFF and AVIF too', async () => {
    const ink = await variants.rgb280(mnist, 1);
    // The body's own bytes say its format (the Content-Type is only checked to be an image).
    for (const [type, body] of [
      ['image/jpeg', await sharp(ink).jpeg().toBuffer()],
      ['image/webp', await sharp(ink).webp().toBuffer()],
      ['image/gif', await sharp(ink).gif().toBuffer()],
      ['image/tiff', await sharp(ink).tiff().toBuffer()],
      ['image/avif', await sharp(ink).avif().toBuffer()],
    ] as const) {
      const res = await postImage(body, type);
      assert.equal(res.statusCode, 200, type);
      assert.equal(res.json().digit, mnist.labels[1], type);
    }
  });

  it('accepts multipart/form-data with the file in field "image"', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/predict',
      ...multipart([{ field: 'image', filename: 'd.png', body: await variants.plain(mnist, 2) }]),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().digit, mnist.labels[2]);
  });
});

describe('errors are 4xx JSON in the documented shape', () => {
  const cases: Array<
    [string, () => Promise<{ method?: string; url?: string; headers?: Record<string, string>; payload?: Buffer | string }>, number, string]
  > = [
    ['no body', async () => ({}), 400, 'missing_image'],
    ['empty PNG body', async () => ({ headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(0) }), 400, 'missing_image'],
    [
      'not an image',
      async () => ({ headers: { 'content-type': 'image/png' }, payload: Buffer.from('hello, not a png') }),
      415,
      'unsupported_image_format',
    ],
    [
      'truncated PNG',
      async () => {
        const png = await variants.rgb280(mnist, 0);
        return { headers: { 'content-type': 'image/png' }, payload: png.subarray(0, png.length >> 1) };
      },
      400,
      'invalid_image',
    ],
    ['text/plain body', async () => ({ headers: { 'content-type': 'text/plain' }, payload: 'seven' }), 415, 'unsupported_media_type'],
    ['JSON body', async () => ({ headers: { 'content-type': 'application/json' }, payload: '{"digit":7}' }), 415, 'unsupported_media_type'],
    [
      'unknown content type',
      async () => ({ headers: { 'content-type': 'application/x-foo' }, payload: 'x' }),
      415,
      'unsupported_media_type',
    ],
    [
      'body over the limit',
      async () => ({ headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(config.BODY_LIMIT_BYTES + 1) }),
      413,
      'payload_too_large',
    ],
    [
      'PNG declaring 100k×100k pixels',
      async () => ({ headers: { 'content-type': 'image/png' }, payload: pngDeclaring(100_000, 100_000) }),
      413,
      'image_too_large',
    ],
    [
      'PNG 1 pixel wide and 20,000 tall',
      async () => ({ headers: { 'content-type': 'image/png' }, payload: pngDeclaring(1, 20_000) }),
      413,
      'image_too_large',
    ],
    [
      'SVG sent as image/png',
      async () => ({ headers: { 'content-type': 'image/png' }, payload: Buffer.from(BLUR_SVG) }),
      415,
      'unsupported_image_format',
    ],
    ['TIFF of 65 pages', async () => ({ headers: { 'content-type': 'image/tiff' }, payload: tiffPages(65) }), 413, 'image_too_large'],
    [
      'TIFF whose pages loop',
      async () => ({ headers: { 'content-type': 'image/tiff' }, payload: tiffPages(3, true) }),
      400,
      'invalid_image',
    ],
    [
      'TIFF of 2 blank pages (the first is read)',
      async () => ({ headers: { 'content-type': 'image/tiff' }, payload: tiffPages(2) }),
      422,
      'no_digit_found',
    ],
    [
      'AVIF of 2049×2048 pixels',
      async () => ({
        headers: { 'content-type': 'image/avif' },
        payload: await sharp({ create: { width: 2049, height: 2048, channels: 3, background: '#fff' } })
          .avif()
          .toBuffer(),
      }),
      413,
      'image_too_large',
    ],
    [
      'blank white image',
      async () => ({
        headers: { 'content-type': 'image/png' },
        payload: await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
      }),
      422,
      'no_digit_found',
    ],
    [
      '1×1 image',
      async () => ({
        headers: { 'content-type': 'image/png' },
        payload: await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
          .png()
          .toBuffer(),
      }),
      422,
      'no_digit_found',
    ],
    ['multipart without a file', async () => multipart([{ field: 'note', body: 'hi' }]), 400, 'missing_image'],
    [
      'multipart with the file in another field',
      async () => multipart([{ field: 'picture', filename: 'a.png', body: await variants.plain(mnist, 0) }]),
      400,
      'missing_image',
    ],
    [
      'multipart with two files',
      async () =>
        multipart([
          { field: 'image', filename: 'a.png', body: await variants.plain(mnist, 0) },
          { field: 'image', filename: 'b.png', body: await variants.plain(mnist, 1) },
        ]),
      400,
      'too_many_files',
    ],
    [
      'bad debug flag',
      async () => ({ url: '/predict?debug=yes', headers: { 'content-type': 'image/png' }, payload: await variants.plain(mnist, 0) }),
      400,
      'invalid_request',
    ],
    ['GET /predict', async () => ({ method: 'GET' }), 405, 'method_not_allowed'],
    ['unknown route', async () => ({ method: 'GET', url: '/nope' }), 404, 'not_found'],
  ];
  for (const [what, request, status, code] of cases) {
    it(`${what} → ${status} ${code}`, async () => {
      const r = await request();
      const res = await app.inject({
        method: (r.method ?? 'POST') as 'POST',
        url: r.url ?? '/predict',
        headers: r.headers,
        payload: r.payload,
      });
      assert.equal(res.statusCode, status, res.body);
      const body = res.json();
      assert.equal(body.error.code, code, res.body);
      // Written for people: what to do next, and no library's internals (pngjs said "There are some read requests
      // waitng on finished stream" for a truncated PNG).
      assert.match(body.error.message, /\b(send|use|see|lists|retry)\b/, `${code}: the message says what to do`);
      assert.doesNotMatch(body.error.message, /(?<!octet-)stream|waitng|Unsupported Media Type|Request body is too large|FST_/i, res.body);
      if (code === 'payload_too_large') assert.match(body.error.message, new RegExp(`${config.BODY_LIMIT_BYTES} bytes.*BODY_LIMIT_BYTES`));
      if (code === 'image_too_large') {
        const limit = /20,000/.test(what)
          ? /1×20000 pixels; neither side may be over 16384/
          : /TIFF/.test(what)
            ? /more than 64 pages/
            : /AVIF/.test(what)
              ? /2049×2048 pixels; an AVIF may have at most 4194304/
              : new RegExp(`${config.MAX_INPUT_PIXELS}.*MAX_INPUT_PIXELS`);
        assert.match(body.error.message, limit);
      }
      if (res.statusCode !== 404) assertMatchesContract('/predict', 'post', status, body);
    });
  }
});

describe('health and contract', () => {
  it('GET /health is liveness only', async () => {
    const res = await app.inject('/health');
    assert.equal(res.statusCode, 200);
    assertMatchesContract('/health', 'get', 200, res.json());
  });

  it('GET /health/ready names the model and the provider really in use (auto on this CPU-only machine → cpu)', async () => {
    const res = await app.inject('/health/ready');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assertMatchesContract('/health/ready', 'get', 200, body);
    assert.equal(body.executionProvider, 'cpu');
    assert.equal(body.model.sha256, card.sha256);
    assert.deepEqual(body.model.inputs, ['image']);
  });

  it('GET /health/ready is 503 while draining', async () => {
    const other = await buildApp(config, { logger: false, model: await loadModel(config.MODEL_PATH, 'cpu', 1) });
    await other.ready();
    other.lifecycle.state = 'draining';
    const res = await other.inject('/health/ready');
    assert.equal(res.statusCode, 503);
    assertMatchesContract('/health/ready', 'get', 503, res.json());
    await other.close();
  });

  it('GET /openapi.yaml serves the contract', async () => {
    const res = await app.inject('/openapi.yaml');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^openapi: 3\.1/);
  });
});

describe('request logs', () => {
  it('at info, one JSON line per answered request: id, method, URL, status and latency', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => lines.push(line) };
    const logged = await buildApp(config, { logger: { level: 'info', stream }, model: await loadModel(config.MODEL_PATH, 'cpu', 1) });
    await logged.ready();
    try {
      lines.length = 0;
      const png = await variants.plain(mnist, 0);
      const ok = await logged.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png', 'x-request-id': 'log-test-1' },
        payload: png,
      });
      const missing = await logged.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'log-test-2' } });
      assert.equal(ok.statusCode, 200);
      assert.equal(missing.statusCode, 404);
      const records = lines.map((line) => JSON.parse(line));
      const perRequest = (id: string) => records.filter((r) => r.reqId === id);
      for (const [id, method, url, status] of [
        ['log-test-1', 'POST', '/predict', 200],
        ['log-test-2', 'GET', '/nowhere', 404],
      ] as const) {
        const [line, ...more] = perRequest(id).filter((r) => r.level === 30);
        assert.equal(more.length, 0, `more than one info line for ${id}: ${JSON.stringify(perRequest(id))}`);
        assert.equal(line.msg, 'request completed');
        assert.equal(line.req.method, method);
        assert.equal(line.req.url, url);
        assert.equal(line.res.statusCode, status);
        assert.ok(line.responseTime > 0);
      }
    } finally {
      await logged.close();
    }
  });

  it('at debug, a client error also logs what the library said, which the response leaves out', async () => {
    const lines: string[] = [];
    const logged = await buildApp(config, {
      logger: { level: 'debug', stream: { write: (line: string) => lines.push(line) } },
      model: await loadModel(config.MODEL_PATH, 'cpu', 1),
    });
    try {
      const png = await variants.plain(mnist, 0);
      const res = await logged.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png', 'x-request-id': 'truncated' },
        payload: png.subarray(0, png.length - 30),
      });
      assert.equal(res.statusCode, 400);
      const said = lines.map((line) => JSON.parse(line)).find((r) => r.reqId === 'truncated' && r.msg === 'what the library said');
      assert.ok(said?.cause, `a debug line with the library's words: ${lines.join('')}`);
      assert.ok(!res.body.includes(said.cause), res.body);
    } finally {
      await logged.close();
    }
  });

  it('building and serving the app uses no deprecated Fastify or Node option', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    const deprecations = warnings.filter((w) => /deprecation/i.test(w.name));
    assert.deepEqual(
      deprecations.map((w) => `${w.name}: ${w.message}`),
      [],
    );
  });
});
