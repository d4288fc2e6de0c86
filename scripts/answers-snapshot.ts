// `tsx scripts/answers-snapshot.ts DIR [OUT.json]`: what POST /predict and POST /read answer (app.inject, the committed
// model, CPU) for a fixed set of pictures, printed as one sha256 with a count per endpoint and status, the answers
// written in full to OUT.json for a diff. Run it at two commits on the same DIR to show a refactor changed no answer:
// the first run writes the pictures into DIR (examples/, MNIST test digits sent five ways, seeded numbers from
// src/synth in every set, and single digits typed in the handwriting fonts), later runs read them back, so a change
// to the generator cannot hide a change of answers.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';

const [dir, out] = process.argv.slice(2);
if (!dir) {
  console.error('usage: tsx scripts/answers-snapshot.ts DIR [OUT.json]   (DIR: where the pictures are, or will be, kept)');
  process.exit(2);
}

const SETS = ['wide', 'touching', 'photos', 'canvas', 'fonts'] as const;
const PER_SET = 24;
const MNIST_DIGITS = 40;

/** Makes the pictures once: `name.ext` files, and `name.len` beside a number whose length /read may be told. */
async function makePictures(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync('examples').filter((f) => /\.(png|jpg)$/.test(f))) {
    writeFileSync(path.join(dir, `example-${file}`), readFileSync(path.join('examples', file)));
  }
  // The generator moved with issue #35; the same seeds make the same pictures wherever it lives.
  type Numbers = typeof import('../src/synth/numbers.js');
  const numbers: Numbers = await import('../src/synth/numbers.js').catch(() => import(String('../test/helpers/numbers.js')));
  const pictures = await import('../src/synth/mnist-pictures.js').catch(() => import(String('../test/helpers/images.js')));
  const { test } = loadMnist();
  for (const [how, render] of Object.entries(pictures.variants as Record<string, (s: typeof test, i: number) => Promise<Buffer>>)) {
    for (let i = 0; i < MNIST_DIGITS; i++) writeFileSync(path.join(dir, `mnist-${how}-${i}.png`), await render(test, i));
  }
  const fonts = [];
  for (const font of numbers.HANDWRITING_FONTS) {
    const glyphs = await numbers.fontGlyphs(font);
    if (!glyphs) continue;
    fonts.push(glyphs);
    const slug = font.replace(/\W+/g, '_');
    for (const g of glyphs) {
      const number = numbers.compose([g], 40, () => 0.5, numbers.seeded(g.label), Math.max(...glyphs.map((x) => x.height)));
      writeFileSync(path.join(dir, `font-${slug}-${g.label}.png`), await numbers.paperPng(number));
    }
  }
  for (const [k, set] of SETS.entries()) {
    if (set === 'fonts' && fonts.length === 0) continue;
    const samples = await numbers.makeSet(set, PER_SET, 1000 + k, test, fonts);
    samples.forEach((s, i) => {
      const name = `number-${set}-${i}`;
      writeFileSync(path.join(dir, `${name}.${s.type === 'image/jpeg' ? 'jpg' : 'png'}`), s.picture);
      if (i % 2 === 0) writeFileSync(path.join(dir, `${name}.len`), String(s.number.text.length));
    });
  }
}

if (!existsSync(dir) || readdirSync(dir).length === 0) await makePictures();

const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu' }), { logger: false });
await app.ready();
const answers: Record<string, unknown> = {};
const tally: Record<string, number> = {};
const files = readdirSync(dir)
  .filter((f) => /\.(png|jpg)$/.test(f))
  .sort();
for (const file of files) {
  const picture = readFileSync(path.join(dir, file));
  const type = file.endsWith('.jpg') ? 'image/jpeg' : 'image/png';
  const lengthFile = path.join(dir, file.replace(/\.\w+$/, '.len'));
  const urls = ['/predict', '/read', ...(existsSync(lengthFile) ? [`/read?length=${readFileSync(lengthFile, 'utf8')}`] : [])];
  for (const url of urls) {
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: picture });
    const body = res.json() as Record<string, unknown>;
    // Which model answered and on what is the same at both commits; only the answer is compared.
    delete body.model;
    delete body.executionProvider;
    answers[`${url} ${file}`] = { status: res.statusCode, picture: createHash('sha256').update(picture).digest('hex').slice(0, 16), body };
    const key = `${url.split('?')[0]} ${res.statusCode}`;
    tally[key] = (tally[key] ?? 0) + 1;
  }
}
await app.close();
const text = JSON.stringify(answers, null, 1);
if (out) writeFileSync(out, text + '\n');
console.log(`${files.length} pictures, ${Object.keys(answers).length} answers:`, JSON.stringify(tally));
console.log(`sha256 ${createHash('sha256').update(text).digest('hex')}`);
