// The attacks of issue #16, each over real HTTP against a listening server: a decoder that showed one client's pixels
// to another, corrupt PNGs that grew memory without bound, and decompression bombs that froze the event loop.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deflateSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';
import { chunksOf, ihdr, pngOf, storedAs, zeroBomb } from './helpers/images.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { roundsUntilSettled, steps } from './helpers/memory-growth.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const { test: mnist } = loadMnist();
let app: FastifyInstance;
let url: string;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

before(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', PREPROCESS_THREADS: '0' }), { logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  agent.destroy();
  await app.close();
});

interface Answer {
  status: number;
  body: { digit?: number; input?: string; error?: { code: string } };
  ms: number;
}

/** POSTs over a fresh connection; `ms` runs from the last byte of the body sent to the answer, what the server took. */
function post(body: Buffer, path = '/predict', type = 'image/png'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': type, 'content-length': body.length }, agent },
      (res) => {
        const ms = performance.now() - sent;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()), ms }));
      },
    );
    req.on('error', reject);
    req.end(body, () => (sent = performance.now()));
  });
}

/** Runs `count` tasks with at most `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const rss = () => {
  gc();
  gc();
  return process.memoryUsage().rss;
};

/** The PNG with its IDAT chunks replaced by one holding `idat`. */
const withIdat = (png: Buffer, idat: Buffer) => {
  const chunks = chunksOf(png).filter(([type]) => type !== 'IDAT');
  chunks.splice(chunks.length - 1, 0, ['IDAT', idat]);
  return pngOf(chunks);
};

describe('no answer shows another request’s pixels', () => {
  it('2,000 attacker requests among 2,000 victims’ digits: a short file never gets 200, everyone gets their own picture', async () => {
    const palette = await sharp(await variants.plain(mnist, 9))
      .png({ palette: true, colours: 16 })
      .toBuffer();
    const rows = 28 * (28 + 1);
    const attacks = [
      withIdat(palette, Buffer.alloc(0)), // the probe's file: a 28×28 palette PNG with an empty IDAT
      withIdat(palette, deflateSync(Buffer.alloc(0))),
      withIdat(palette, deflateSync(Buffer.alloc(rows - 29))), // one row short
      withIdat(palette, deflateSync(Buffer.alloc(rows)).subarray(0, 6)), // cut in the middle
      withIdat(await variants.plain(mnist, 9), Buffer.alloc(0)),
    ];
    // The attacker's one valid file: its debug picture must be its own, every time.
    const honest = palette;
    const honestInput = (await post(honest, '/predict?debug=1')).body.input;
    const victims = await Promise.all(Array.from({ length: 20 }, (_, i) => variants.plain(mnist, 100 + i)));
    const expected = await Promise.all(victims.map(async (v) => (await post(v)).body.digit));

    const answers = await pool(4000, 32, async (i) => {
      const k = i >> 1;
      if (i % 2 === 0) return { victim: k % 20, answer: await post(victims[k % 20]) };
      return {
        attack: k % (attacks.length + 1),
        answer: await post(k % (attacks.length + 1) === attacks.length ? honest : attacks[k % (attacks.length + 1)], '/predict?debug=1'),
      };
    });
    let attackerOk = 0;
    for (const { victim, attack, answer } of answers) {
      if (victim !== undefined) {
        assert.equal(answer.status, 200);
        assert.equal(answer.body.digit, expected[victim], 'a victim got another picture’s answer');
      } else if (attack === attacks.length) {
        assert.equal(answer.status, 200);
        assert.equal(answer.body.input, honestInput, 'the attacker saw pixels it did not send');
        attackerOk++;
      } else {
        assert.equal(answer.status, 400, `attack ${attack}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error?.code, 'invalid_image');
      }
    }
    assert.ok(attackerOk > 100);
  });
});

describe('memory', () => {
  it('corrupt PNGs, 500 a round: RSS after GC settles within 10 to 20 rounds', async (t) => {
    const drawing = await variants.rgb280(mnist, 4);
    const idat = Buffer.concat(
      chunksOf(drawing)
        .filter(([type]) => type === 'IDAT')
        .map(([, data]) => data),
    );
    // 40 bytes of the compressed pixels flipped, at a different place in the first third for each file: inflate fails
    // at a different point each time (later flips only cost the test time, not a different path).
    const corrupt = Array.from({ length: 50 }, (_, k) => {
      const bad = Buffer.from(idat);
      const at = 2 + Math.floor(((bad.length / 3) * k) / 50);
      for (let j = 0; j < 40; j++) bad[at + j] ^= 0xa5;
      return withIdat(drawing, bad);
    });
    const send = (n: number) => pool(n, 8, async (i) => (await post(corrupt[i % corrupt.length])).status);
    await send(300); // warm-up: pools, JIT, allocator
    // Rounds of 500 until RSS has held for 5 in a row (2,500 files), 10 rounds at least: one before/after pair over
    // 5,000 files read whatever step GC timing or the allocator took meanwhile as growth. A leak of 7 KB a file never holds.
    const statuses: number[] = [];
    const memory = await roundsUntilSettled(async () => void statuses.push(...(await send(500))), rss, {
      window: 5,
      riseMiB: 16,
      minRounds: 10,
      maxRounds: 20,
    });
    t.diagnostic(`RSS by round (MB): ${steps(memory.samples)}`);
    // A flip can leave a stream that still inflates to the right size: garbage pixels, but the client's own.
    assert.ok(
      statuses.every((s) => s === 400 || s === 422 || s === 200),
      `statuses ${[...new Set(statuses)]}`,
    );
    assert.ok(statuses.filter((s) => s === 400).length > 0.8 * statuses.length);
    assert.ok(memory.settled, `RSS still rose ${memory.rise.toFixed(1)} MB over the last 2,500 files: ${steps(memory.samples)} MB a round`);
  });
});

describe('bombs are refused at once, and the server keeps answering', () => {
  const bombs = () =>
    [
      // 3.8 MB of deflate that inflates to 3.9 GB, declared as a 28×28 interlaced PNG
      [
        'interlaced bomb',
        pngOf([
          ['IHDR', ihdr(28, 28, 8, 0, 1)],
          ['IDAT', zeroBomb(3_700 * 2 ** 20)],
          ['IEND', Buffer.alloc(0)],
        ]),
        400,
      ],
      [
        'duplicate IHDR (28×28 then 65535×65535)',
        pngOf([
          ['IHDR', ihdr(28, 28)],
          ['IHDR', ihdr(65535, 65535)],
          ['IDAT', deflateSync(Buffer.alloc(29 * 28))],
          ['IEND', Buffer.alloc(0)],
        ]),
        400,
      ],
      [
        'duplicate IHDR (28×28 then 30000×30000)',
        pngOf([
          ['IHDR', ihdr(28, 28)],
          ['IHDR', ihdr(30000, 30000)],
          ['IDAT', deflateSync(Buffer.alloc(29 * 28))],
          ['IEND', Buffer.alloc(0)],
        ]),
        400,
      ],
      [
        '65535×65535 bomb',
        pngOf([
          ['IHDR', ihdr(65535, 65535)],
          ['IDAT', zeroBomb(64 * 2 ** 20)],
          ['IEND', Buffer.alloc(0)],
        ]),
        413,
      ],
      [
        '600×600 PNG (sharp’s path) with 3.8 MB of bomb',
        pngOf([
          ['IHDR', ihdr(600, 600, 8, 0, 1)],
          ['IDAT', zeroBomb(3_700 * 2 ** 20)],
          ['IEND', Buffer.alloc(0)],
        ]),
        400,
      ],
    ] as const;

  for (const [what, png, status] of bombs()) {
    it(`${what} (${png.length} bytes) → ${status} in under 100 ms, RSS +<100 MB, /health answering`, async () => {
      await post(png); // warm-up (first upload of this size)
      const before = rss();
      let healthy = 0;
      let slowestHealth = 0;
      let running = true;
      const health = (async () => {
        while (running) {
          const started = performance.now();
          assert.equal((await fetch(`${url}/health`)).status, 200);
          slowestHealth = Math.max(slowestHealth, performance.now() - started);
          healthy++;
        }
      })();
      const answers = await pool(5, 1, () => post(png));
      running = false;
      await health;
      const grown = rss() - before;
      for (const a of answers) assert.equal(a.status, status, JSON.stringify(a.body));
      // From the upload's end to the answer, the fastest of five: what the service needs, without what a loaded machine
      // adds now and then (the slowest is bounded too). Before the fix these took 27–32 s and blocked /health as long.
      // Quiet, the 3.8 MB ones take a few ms; 250 leaves room for a machine shared with other work (~110 ms seen).
      const times = answers.map((a) => a.ms).sort((a, b) => a - b);
      assert.ok(times[0] < (png.length > 1e6 ? 250 : 100) && times[4] < 2000, `answered in ${times.map((t) => t.toFixed(1))} ms`);
      assert.ok(healthy > 0 && slowestHealth < 2000, `/health: ${healthy} answers, slowest ${slowestHealth.toFixed(1)} ms`);
      assert.ok(grown < 100 * 2 ** 20, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MB`);
    });
  }
});

describe('EXIF orientation over HTTP', () => {
  it('all 8 orientations: a 280 px PNG (our decoder) and a 700 px one (sharp) give the digit of the upright picture', async () => {
    const upright = await sharp(await variants.plain(mnist, 0))
      .resize(280, 280)
      .png()
      .toBuffer();
    const expected = (await post(upright)).body.digit;
    assert.equal(expected, mnist.labels[0]);
    for (let orientation = 1; orientation <= 8; orientation++) {
      const turned = await storedAs[orientation](sharp(upright)).png().toBuffer();
      for (const side of [280, 700]) {
        const png = await sharp(turned).resize(side, side).withMetadata({ orientation }).png().toBuffer();
        const answer = await post(png, '/predict');
        assert.equal(answer.body.digit, expected, `orientation ${orientation}, ${side} px: ${JSON.stringify(answer.body)}`);
      }
    }
  });
});
