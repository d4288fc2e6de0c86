// Whatever a client sends, the answer is a valid prediction or a 4xx JSON error, never a 5xx, and the service lives on.
// fast-check generates the requests: random bytes, truncated and bit-flipped real images, wrong content types, empty
// bodies, degenerate and bomb-shaped PNGs, broken multipart. 1,200 cases per run (FUZZ_RUNS to change), seeded by
// fast-check and printed on failure so a failing case can be replayed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import sharp from 'sharp';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';
import { pngDeclaring, variants } from './helpers/images.js';
import { assertMatchesContract } from './helpers/openapi.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);
const { test: mnist } = loadMnist();
let app: FastifyInstance;
let corpus: Buffer[];

before(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', BODY_LIMIT_BYTES: String(1024 * 1024) }), { logger: false });
  await app.ready();
  const one = await variants.plain(mnist, 0);
  corpus = [
    one,
    await variants.rgb280(mnist, 1),
    await variants.rgbaTransparent(mnist, 2),
    await variants.smallOffCentre(mnist, 3),
    await sharp(one).jpeg().toBuffer(),
    await sharp(one).webp().toBuffer(),
    await sharp(one).gif().toBuffer(),
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer(),
    pngDeclaring(0, 0),
    pngDeclaring(1, 0),
    pngDeclaring(100_000, 100_000),
    pngDeclaring(600, 600),
  ];
});
after(() => app.close());

const contentTypes = ['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream', 'text/plain', 'application/json', 'image/x-unknown', 'multipart/form-data', 'multipart/form-data; boundary=', undefined];

interface Case {
  body: Buffer;
  contentType?: string;
}

const bytes = fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b));
const real = () => fc.nat().map((i) => corpus[i % corpus.length]);
const truncated = fc.tuple(real(), fc.double({ min: 0, max: 1, noNaN: true })).map(([b, f]) => b.subarray(0, Math.floor(b.length * f)));
const flipped = fc
  .tuple(real(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }))
  .map(([b, flips]) => {
    const out = Buffer.from(b);
    for (const [at, bit] of flips) out[at % out.length] ^= 1 << bit;
    return out;
  });

function multipart(parts: Array<{ field: string; file: boolean; body: Buffer }>, boundary = 'fuzzboundary'): Case {
  const chunks = parts.flatMap((p) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"${p.file ? '; filename="x.png"' : ''}\r\n\r\n`),
    p.body,
    Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}
const multiparts = fc
  .array(fc.record({ field: fc.constantFrom('image', 'file', 'other'), file: fc.boolean(), body: fc.oneof(real(), bytes, truncated) }), { maxLength: 3 })
  .map((parts) => multipart(parts));
const garbledMultipart = fc.tuple(multiparts, fc.nat()).map(([c, cut]) => ({ ...c, body: c.body.subarray(0, cut % (c.body.length + 1)) }));

const requests: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ body: fc.oneof(bytes, real(), truncated, flipped, fc.constant(Buffer.alloc(0))), contentType: fc.constantFrom(...contentTypes) }),
  multiparts,
  garbledMultipart,
);

function assertWellFormed(status: number, body: string, label: string): void {
  assert.ok(status < 500, `${label}: HTTP ${status} ${body.slice(0, 200)}`);
  const json = JSON.parse(body);
  if (status === 200) assertMatchesContract('/predict', 'post', 200, json);
  else {
    assert.ok(status >= 400, `${label}: HTTP ${status}`);
    assert.equal(typeof json.error?.code, 'string', `${label}: ${body.slice(0, 200)}`);
    assert.equal(typeof json.error?.message, 'string');
  }
}

describe('fuzzed POST /predict', () => {
  it(`${RUNS} generated requests: every answer is a prediction or a 4xx JSON error`, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests, async ({ body, contentType }) => {
        const res = await app.inject({ method: 'POST', url: '/predict', headers: contentType ? { 'content-type': contentType } : {}, payload: body });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        assertWellFormed(res.statusCode, res.body, `${contentType} ${body.length} B`);
      }),
      { numRuns: RUNS },
    );
    // The generator must reach both outcomes, or the test proves little.
    assert.ok(seen.get(200), `no case was a valid prediction: ${JSON.stringify([...seen])}`);
    assert.ok([...seen.keys()].filter((s) => s >= 400).length >= 4, `few kinds of errors: ${JSON.stringify([...seen])}`);
  });

  it('a 50 MB body → 413, and the service still answers', async () => {
    const res = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(50 * 1024 * 1024, 7) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'payload_too_large');
    const big = multipart([{ field: 'image', file: true, body: Buffer.alloc(50 * 1024 * 1024, 7) }]);
    const res2 = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': big.contentType }, payload: big.body });
    assert.equal(res2.statusCode, 413);
    const ok = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'image/png' }, payload: corpus[0] });
    assert.equal(ok.statusCode, 200);
  });
});
