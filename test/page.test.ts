// The draw-a-digit page in real headless Chromium against the real service on a real port.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page, type Request as PwRequest, type Response as PwResponse } from 'playwright-core';
import { PNG } from 'pngjs';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { HELD_OUT_CI_COUNT, heldOutSet } from '../src/synth/heldout/index.js';
import { loadMnist } from '../src/train/mnist.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;

type Stroke = Array<[number, number]>; // points in the 280×280 canvas
const DIGITS: Record<string, Stroke[]> = {
  '1': [
    [
      [140, 40],
      [140, 240],
    ],
  ],
  '7': [
    [
      [70, 50],
      [210, 50],
      [120, 240],
    ],
  ],
  '0': [
    Array.from(
      { length: 33 },
      (_, i) => [140 + 65 * Math.sin((i / 32) * 2 * Math.PI), 140 - 95 * Math.cos((i / 32) * 2 * Math.PI)] as [number, number],
    ),
  ],
  '4': [
    [
      [170, 240],
      [170, 40],
      [60, 170],
      [220, 170],
    ],
  ],
};

/** A screenshot in test-output/; with UPDATE_DOCS=1 also the README's picture of the same name in docs/. */
async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: `test-output/${name}`, ...options });
  if (process.env.UPDATE_DOCS === '1') copyFileSync(`test-output/${name}`, `docs/${name}`);
}

/** A polyline through points on a circle around (cx, cy): angle 0 is straight up, growing clockwise. */
const arc = (cx: number, cy: number, rx: number, ry: number, from: number, to: number, n = 8): Stroke =>
  Array.from({ length: n + 1 }, (_, i) => {
    const a = from + ((to - from) * i) / n;
    return [cx + rx * Math.sin(a), cy - ry * Math.cos(a)] as [number, number];
  });

describe('draw-a-digit page', { skip }, () => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let url: string;

  before(async () => {
    app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { logger: false });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    page = await browser.newPage({ viewport: { width: 800, height: 640 } });
    // Anything the page's Content-Security-Policy blocks is a console error: every test below would then see it.
    // (Only on the page's own files: /docs is Swagger UI's, under its own policy.)
    page.on('console', (message) => {
      if (
        message.type() === 'error' &&
        /Content Security Policy/i.test(message.text()) &&
        !new URL(page.url()).pathname.startsWith('/docs')
      )
        cspViolations.push(message.text());
    });
  });
  const cspViolations: string[] = [];
  after(() => assert.deepEqual(cspViolations, [], 'the page broke its own Content-Security-Policy'));
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function draw(strokes: Stroke[]) {
    const box = (await page.locator('#pad').boundingBox())!;
    const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
    for (const stroke of strokes) {
      await page.mouse.move(...at(stroke[0]));
      await page.mouse.down();
      for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
      await page.mouse.up();
    }
  }

  it('is served with a Content-Security-Policy, X-Frame-Options and nosniff', async () => {
    const res = await fetch(url);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  it('shows the right digit for each drawn digit, with bars and the model input', async () => {
    await page.goto(url);
    await page.getByRole('button', { name: 'Clear' }).waitFor();
    for (const [digit, strokes] of Object.entries(DIGITS)) {
      await page.getByRole('button', { name: 'Clear' }).click();
      await draw(strokes);
      await page.waitForFunction((d) => document.querySelector('[data-testid=digit]')?.textContent === d, digit, { timeout: 5000 });
      assert.equal(await page.locator('.bars li.win').getAttribute('data-digit'), digit);
      assert.match((await page.locator('#seen').getAttribute('src')) ?? '', /^data:image\/png;base64,/);
      assert.equal(await page.locator('#provider').textContent(), 'cpu');
      if (digit === '7') {
        await page.waitForTimeout(300); // let the bars' transition finish
        await screenshot(page, 'page.png');
      }
    }
  });

  it("shows the digit of a slow multi-stroke drawing within 300 ms of the last stroke, never an older drawing's answer", async () => {
    // Every request the page sends, with the picture it carried and the service's answer. Requests sent while the pen
    // is still drawing are held back 400 ms by the network, so their answers arrive after newer ones.
    const sent: Array<{ at: number; png: Buffer; answer?: { digit: number; confidence: number } }> = [];
    const index = new Map<PwRequest, number>();
    const onRequest = (request: PwRequest) => {
      if (request.url().includes('/predict')) index.set(request, sent.push({ at: Date.now(), png: request.postDataBuffer()! }) - 1);
    };
    const onResponse = async (response: PwResponse) => {
      const n = index.get(response.request());
      if (n !== undefined) sent[n].answer = await response.json();
    };
    let holdBack = true;
    await page.route('**/predict*', async (route) => {
      if (!holdBack) return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.fulfill({ response });
    });
    page.on('request', onRequest);
    page.on('response', onResponse);
    await page.goto(url);
    await page.evaluate(() => {
      const log: Array<{ t: number; digit: string; confidence: string }> = [];
      Object.assign(window, { shown: log });
      new MutationObserver(() => {
        const confidence = document.getElementById('confidence')!.textContent ?? '';
        if (confidence) log.push({ t: Date.now(), digit: document.getElementById('digit')!.textContent ?? '', confidence });
      }).observe(document.getElementById('confidence')!, { childList: true, characterData: true, subtree: true });
    });

    // A "3" in two slow strokes (upper arc, lift, lower arc), a quarter of a second per segment: Chromium's toBlob
    // deferred its PNG by ~1 s after such strokes.
    const arc = (cy: number, r: number, from: number, to: number) =>
      Array.from({ length: 9 }, (_, i) => {
        const a = from + ((to - from) * i) / 8;
        return [140 + r * Math.sin(a), cy - r * Math.cos(a)] as [number, number];
      });
    const strokes = [arc(90, 50, -1.4, Math.PI), arc(190, 50, 0, Math.PI + 1.4)];
    const box = (await page.locator('#pad').boundingBox())!;
    const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
    let liftedAt = 0;
    for (const [s, stroke] of strokes.entries()) {
      await page.mouse.move(...at(stroke[0]));
      await page.mouse.down();
      for (const p of stroke.slice(1)) {
        await page.mouse.move(...at(p), { steps: 4 });
        await page.waitForTimeout(250);
      }
      if (s === strokes.length - 1) holdBack = false;
      liftedAt = Date.now();
      await page.mouse.up();
      await page.waitForTimeout(600);
    }
    // Every held-back or deferred request answered (on a loaded machine that can take longer than the 1.5 s it takes quiet),
    // and a moment for the page to show it: an older answer shown late must be on the log before it is read.
    await page.waitForTimeout(1500);
    for (let i = 0; i < 150 && sent.some((r) => !r.answer); i++) await page.waitForTimeout(100);
    await page.waitForTimeout(200);
    await page.unroute('**/predict*');
    page.off('request', onRequest);
    page.off('response', onResponse);

    type Shown = { t: number; digit: string; confidence: string };
    const shown = await page.evaluate(() => (window as unknown as { shown: Shown[] }).shown);
    const drawn = await page.evaluate(() => (document.getElementById('pad') as HTMLCanvasElement).toDataURL('image/png'));
    const pixels = (png: Buffer) => PNG.sync.read(png).data;
    const finalPixels = pixels(Buffer.from(drawn.split(',')[1], 'base64'));
    assert.ok(sent.length >= 3, `the page asked while drawing (${sent.length} requests)`);
    // Each answer on screen is the answer to the newest request sent before it appeared, never an older one's.
    const answerOf = ({ t, digit, confidence }: Shown) => {
      const newest = sent.filter((r) => r.at < t).length - 1; // sent is in sending order
      const { answer } = sent[newest];
      assert.ok(answer, `request ${newest} was answered`);
      assert.equal(
        `${digit} ${confidence}`,
        `${answer.digit} ${(100 * answer.confidence).toFixed(1)}% sure`,
        `${t - liftedAt} ms after the last stroke the page showed an answer other than the one to the newest request`,
      );
      return newest;
    };
    shown.forEach(answerOf);
    // The first answer after the pen lifted is for the whole drawing, and it came within 300 ms.
    const first = shown.find((s) => s.t > liftedAt);
    assert.ok(first, 'an answer appeared after the last stroke');
    assert.ok(
      pixels(sent[answerOf(first)].png).equals(finalPixels),
      `the answer shown ${first.t - liftedAt} ms after the last stroke is for an older drawing`,
    );
    assert.equal(first.digit, '3');
    assert.ok(first.t - liftedAt <= 300, `the digit appeared ${first.t - liftedAt} ms after the pen lifted`);
    assert.deepEqual(shown.at(-1), first, 'nothing replaced it');
  });

  it('number mode: a number written as strokes is read, each digit boxed with its confidence', async () => {
    await page.setViewportSize({ width: 800, height: 640 });
    await page.goto(url);
    await page.getByRole('tab', { name: 'A number' }).click();
    const box = (await page.locator('#wide').boundingBox())!;
    // Each digit drawn as on the 280×280 pad, shrunk to 0.75 and set side by side on the 840×240 canvas.
    const number = '4071';
    for (const [i, d] of [...number].entries()) {
      for (const stroke of DIGITS[d]) {
        const at = ([x, y]: [number, number]) =>
          [box.x + ((40 + 190 * i + 0.75 * x) * box.width) / 840, box.y + ((10 + 0.75 * y) * box.height) / 240] as const;
        await page.mouse.move(...at(stroke[0]));
        await page.mouse.down();
        for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
        await page.mouse.up();
      }
    }
    await page.waitForFunction((n) => document.querySelector('[data-testid=number]')?.textContent === n, number, { timeout: 5000 });
    assert.match((await page.locator('#number-confidence').textContent()) ?? '', /% sure/);
    assert.match((await page.locator('#number-message').textContent()) ?? '', /^4 digits/);
    // The boxes are drawn on the overlay: some of its pixels are no longer transparent.
    const painted = await page.evaluate(() => {
      const c = document.getElementById('boxes') as HTMLCanvasElement;
      return c
        .getContext('2d')!
        .getImageData(0, 0, c.width, c.height)
        .data.some((v, i) => i % 4 === 3 && v > 0);
    });
    assert.ok(painted, 'boxes drawn');
    await page.waitForTimeout(100);
    await screenshot(page, 'page-number.png');
    await page.getByRole('tab', { name: 'One digit' }).click();
    assert.ok(await page.locator('#pad').isVisible());
  });

  it('number mode: "307" written slowly is read within 300 ms of the pen lifting, and nothing replaces it', async () => {
    // Requests sent before the last stroke are held back 800 ms by the network, so their answers arrive after the last one's.
    let holdBack = true;
    let pending = 0;
    await page.route('**/read*', async (route) => {
      const held = holdBack;
      pending++;
      const response = await route.fetch();
      if (held) await new Promise((resolve) => setTimeout(resolve, 800));
      await route.fulfill({ response });
      pending--;
    });
    await page.setViewportSize({ width: 800, height: 640 });
    await page.goto(url);
    await page.getByRole('tab', { name: 'A number' }).click();
    await page.evaluate(() => {
      const log: Array<{ t: number; text: string }> = [];
      Object.assign(window, { shown: log });
      const el = document.getElementById('number-confidence')!;
      new MutationObserver(() => {
        if (el.textContent) log.push({ t: Date.now(), text: document.getElementById('number-text')!.textContent ?? '' });
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    // Strokes in the 280×280 digit space; the 3 in two arcs, the 7 as its top bar, a lift, then its stem.
    const strokes: Record<string, Stroke[]> = {
      '3': [arc(140, 90, 55, 50, -1.4, Math.PI, 6), arc(140, 190, 55, 50, 0, Math.PI + 1.4, 6)],
      '0': [arc(140, 140, 65, 100, 0, 2 * Math.PI, 12)],
      '7': [
        [
          [70, 50],
          [140, 50],
          [210, 50],
        ],
        [
          [210, 50],
          [165, 145],
          [120, 240],
        ],
      ],
    };
    const box = (await page.locator('#wide').boundingBox())!;
    let liftedAt = 0;
    const all = [...'307'].flatMap((d, i) => strokes[d].map((stroke) => ({ i, stroke })));
    for (const [n, { i, stroke }] of all.entries()) {
      const at = ([x, y]: [number, number]) =>
        [box.x + ((40 + 190 * i + 0.75 * x) * box.width) / 840, box.y + ((10 + 0.75 * y) * box.height) / 240] as const;
      await page.mouse.move(...at(stroke[0]));
      await page.mouse.down();
      for (const p of stroke.slice(1)) {
        await page.mouse.move(...at(p), { steps: 4 });
        await page.waitForTimeout(150); // slowly: Chromium's toBlob deferred its PNG by ~1 s after such strokes
      }
      if (n === all.length - 1) holdBack = false;
      liftedAt = Date.now();
      await page.mouse.up();
      await page.waitForTimeout(250);
    }
    // Every held-back request answered (on a loaded machine that can take longer than the 1.5 s it takes quiet), and a
    // moment for the page to show it: an older reading shown late must be on the log before it is read.
    await page.waitForTimeout(1500);
    for (let i = 0; i < 150 && pending > 0; i++) await page.waitForTimeout(100);
    await page.waitForTimeout(200);
    await page.unroute('**/read*');
    const shown = await page.evaluate(() => (window as unknown as { shown: Array<{ t: number; text: string }> }).shown);
    const after = shown.filter((s) => s.t > liftedAt);
    assert.ok(after.length > 0, `a reading appeared after the pen lifted (${JSON.stringify(shown)})`);
    const ms = after[0].t - liftedAt;
    console.log(`# number mode: "${after[0].text}" appeared ${ms} ms after the pen lifted; ${shown.length} readings shown in all`);
    assert.equal(after[0].text, '307', JSON.stringify(shown));
    assert.ok(ms <= 300, `the reading appeared ${ms} ms after the pen lifted`);
    assert.deepEqual(after, [after[0]], `nothing replaced it: ${JSON.stringify(shown)}`);
    assert.equal(await page.locator('#number-text').textContent(), '307');
  });

  it('number mode: an uploaded picture of a number is read and boxed', async () => {
    await page.setViewportSize({ width: 800, height: 640 });
    await page.goto(url);
    await page.getByRole('tab', { name: 'A number' }).click();
    await page.locator('#wide-file').setInputFiles('examples/number.jpg');
    await page.waitForFunction(() => document.querySelector('[data-testid=number]')?.textContent === '90210', null, { timeout: 5000 });
    assert.match((await page.locator('#number-message').textContent()) ?? '', /^5 digits/);
    const painted = await page.evaluate(() => {
      const c = document.getElementById('boxes') as HTMLCanvasElement;
      return c
        .getContext('2d')!
        .getImageData(0, 0, c.width, c.height)
        .data.some((v, i) => i % 4 === 3 && v > 0);
    });
    assert.ok(painted, 'boxes drawn over the upload');
  });

  it('number mode: where the two readers disagree, the page says so instead of "0.0% sure"', async () => {
    // A held-out picture the shipped reader (combined) answers at confidence 0: its readers read it differently.
    const { test: mnist } = loadMnist();
    let found: { picture: Buffer; type: string; text: string } | undefined;
    for (const set of ['touching', 'fonts'] as const) {
      for (const s of await heldOutSet(set, HELD_OUT_CI_COUNT, mnist)) {
        const res = await app.inject({ method: 'POST', url: '/read', headers: { 'content-type': s.type }, payload: s.picture });
        if (res.statusCode === 200 && res.json().confidence === 0) found ??= { picture: s.picture, type: s.type, text: res.json().text };
      }
      if (found) break;
    }
    assert.ok(found, 'no held-out picture on which the readers disagree');
    await page.goto(url);
    await page.getByRole('tab', { name: 'A number' }).click();
    await page.locator('#wide-file').setInputFiles({ name: 'number', mimeType: found.type, buffer: found.picture });
    await page.waitForFunction((t) => document.querySelector('[data-testid=number]')?.textContent === t, found.text, { timeout: 5000 });
    assert.equal(await page.locator('#number-confidence').textContent(), 'The two readers disagree: check this reading');
  });

  it('a picture of a number uploaded on the digit side: the page offers to read it as a number, and does', async () => {
    await page.setViewportSize({ width: 800, height: 640 });
    await page.goto(url);
    await page.locator('#file').setInputFiles('examples/number.jpg');
    const offer = page.getByRole('button', { name: 'Read it as a number' });
    await offer.waitFor({ state: 'visible', timeout: 5000 });
    assert.match((await page.locator('#message').textContent()) ?? '', /several digits/);
    await screenshot(page, 'page-hint.png');
    await offer.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=number]')?.textContent === '90210', null, { timeout: 5000 });
    assert.equal(await page.getByRole('tab', { name: 'A number' }).getAttribute('aria-selected'), 'true');
    // Back on the digit side, a single digit drawn takes the offer away.
    await page.getByRole('tab', { name: 'One digit' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
    assert.equal(await offer.isVisible(), false);
  });

  it("GET /docs renders the API in the browser from the service's own assets", async () => {
    const elsewhere: string[] = [];
    const onRequest = (r: PwRequest) => void (new URL(r.url()).origin !== new URL(url).origin && elsewhere.push(r.url()));
    page.on('request', onRequest);
    await page.setViewportSize({ width: 800, height: 640 });
    await page.goto(url);
    await page.getByRole('link', { name: 'API docs' }).click();
    await page.locator('.opblock-summary-path', { hasText: '/predict' }).first().waitFor({ timeout: 10_000 });
    assert.ok((await page.locator('.opblock-summary-path', { hasText: '/read' }).count()) > 0);
    page.off('request', onRequest);
    assert.deepEqual(elsewhere, []);
  });

  it('at rest shows placeholders, not a broken image or a black bar, on desktop and on a phone', async () => {
    for (const viewport of [
      { width: 800, height: 640 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      await page.goto(url, { waitUntil: 'load' });
      for (const mode of ['One digit', 'A number']) {
        await page.getByRole('tab', { name: mode }).click();
        const broken = await page.evaluate(() =>
          [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.outerHTML),
        );
        assert.deepEqual(broken, [], `${viewport.width}px, ${mode}: every image has a picture`);
        const dash = mode === 'One digit' ? '#digit' : '#number-text';
        assert.equal(await page.locator(dash).textContent(), '–');
        // A light dash: a bold dark one at this size read as a black bar.
        const [r, g, b] = (await page.locator(dash).evaluate((el) => getComputedStyle(el).color)).match(/\d+/g)!.map(Number);
        assert.ok(Math.min(r, g, b) >= 150, `${viewport.width}px, ${mode}: the placeholder dash is light (rgb ${r} ${g} ${b})`);
      }
      await page.getByRole('tab', { name: 'One digit' }).click();
      await screenshot(page, viewport.width < 640 ? 'page-rest-phone.png' : 'page-rest.png');
    }
  });

  it('works at phone width: what is drawn and what it answers fit one screen; says so when there is nothing to recognise', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url);
    await page.getByRole('button', { name: 'Clear' }).click();
    await draw([
      [
        [10, 10],
        [11, 10],
      ],
    ]); // a speck, not a digit
    await page.waitForFunction(() => /No digit|Draw/.test(document.getElementById('message')?.textContent ?? ''));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling at phone width (page is ${width}px)`);
    await page.getByRole('button', { name: 'Clear' }).click();
    await draw(DIGITS['7']);
    await page.waitForFunction(() => document.querySelector('[data-testid=digit]')?.textContent === '7');
    await page.waitForTimeout(300);
    // The drawing card is as wide as the answer's, and the pad, the digit and every bar (7–9 included) are on screen.
    const [board, result] = [(await page.locator('.board').boundingBox())!, (await page.locator('.result').boundingBox())!];
    assert.equal(Math.round(board.width), Math.round(result.width));
    for (const selector of ['#pad', '#digit', '.bars li[data-digit="9"]', '.bars li.win']) {
      const box = (await page.locator(selector).boundingBox())!;
      assert.ok(box.y >= 0 && box.y + box.height <= 844, `${selector} is on the first screen (${box.y}–${box.y + box.height} of 844)`);
    }
    await screenshot(page, 'page-phone.png');
    await page.getByRole('tab', { name: 'A number' }).click();
    await page.locator('#wide-file').setInputFiles('examples/number.jpg');
    await page.waitForFunction(() => document.querySelector('[data-testid=number]')?.textContent === '90210', null, { timeout: 5000 });
    await screenshot(page, 'page-number-phone.png');
  });
});
