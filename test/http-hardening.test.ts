// The small holes of issue #16, over a real socket: content types with parameters, the auth scheme's case, URLs and
// headers Node's parser refuses, JSON refused unparsed, and slow clients cut off on time.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';

const API_KEY = 'hardening-api-key-0123';
const { test: mnist } = loadMnist();
let app: FastifyInstance;
let port: number;

before(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', API_KEY, REQUEST_TIMEOUT_MS: '1500' }), {
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
after(() => app.close());

/** Writes `parts` to a raw connection, `gapMs` apart, and resolves with everything the server sent and when it closed. */
function raw(parts: Array<string | Buffer>, gapMs = 0): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    socket.on('data', (d) => (text += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      resolve({ text, closedAfterMs: performance.now() - started });
    });
    socket.on('connect', async () => {
      for (const part of parts) {
        if (closed) return;
        socket.write(part);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
    setTimeout(() => reject(new Error(`still open after 15 s: ${text}`)), 15_000).unref();
  });
}
const json = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
const status = (text: string) => Number(text.split(' ')[1]);

describe('HTTP hardening', () => {
  it('image/png; charset=utf-8 is an image, and the auth scheme is case-insensitive', async () => {
    const png = await variants.plain(mnist, 0);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await app.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png; charset=utf-8', authorization: `${scheme} ${API_KEY}` },
        payload: png,
      });
      assert.equal(res.statusCode, 200, `${scheme}: ${res.body}`);
    }
    const wrong = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/png', authorization: `bearer ${API_KEY}x` },
      payload: png,
    });
    assert.equal(wrong.statusCode, 401);
  });

  it('/%ff and Content-Length: abc answer 400 in our error shape', async () => {
    const badUrl = await raw(['GET /%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.equal(status(badUrl.text), 400, badUrl.text);
    assert.equal(json(badUrl.text).error.code, 'bad_request');
    const badLength = await raw([`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: abc\r\n\r\n`]);
    assert.equal(status(badLength.text), 400, badLength.text);
    assert.equal(typeof json(badLength.text).error.message, 'string');
  });

  it('4 MB of deeply nested JSON is refused with 415 without being parsed', async () => {
    const nested = '['.repeat(2 * 1024 * 1024) + ']'.repeat(2 * 1024 * 1024);
    // The fastest of three: a loaded machine stalls one now and then; parsing 4 MB of nesting would slow every one.
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        payload: nested,
      });
      times.push(performance.now() - started);
      assert.equal(res.statusCode, 415);
      assert.equal(res.json().error.code, 'unsupported_media_type');
    }
    assert.ok(Math.min(...times) < 500, `took ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  });

  it('headers trickled in are cut off at a third of REQUEST_TIMEOUT_MS, a trickled body at REQUEST_TIMEOUT_MS', async () => {
    // 1.5 s request timeout: headers by 0.5 s, the whole request by 1.5 s, each checked every second.
    const headers = await raw(
      Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: ${i}\r\n`).map((h, i) =>
        i === 0 ? `GET /health HTTP/1.1\r\nHost: x\r\n${h}` : h,
      ),
      100,
    );
    assert.ok(headers.closedAfterMs < 3_000, `headers: closed after ${headers.closedAfterMs} ms`);
    assert.equal(status(headers.text), 408, headers.text);
    assert.equal(json(headers.text).error.code, 'request_timeout');
    const head = `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nAuthorization: Bearer ${API_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const body = await raw([head, ...Array<string>(100).fill('1\r\nx\r\n')], 100);
    assert.ok(body.closedAfterMs < 4_000, `body: closed after ${body.closedAfterMs} ms`);
  });
});
