// Writes examples/: pictures for the README's commands, made from real handwriting (MNIST test digits, written by
// people) and a digit drawn on the real page in Chromium. Run once: `tsx scripts/make-examples.ts`; the files are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { loadMnist } from '../src/train/mnist.js';

const { test } = loadMnist();
const digit = (i: number) => Buffer.from(test.images.subarray(i * 784, (i + 1) * 784));
const firstOf = (label: number, skip = 0) => {
  for (let i = 0, seen = 0; i < test.count; i++) if (test.labels[i] === label && seen++ === skip) return i;
  throw new Error(`no ${label}`);
};
mkdirSync('examples', { recursive: true });

// 1. An MNIST test digit as it is: 28×28, white on black.
writeFileSync(
  'examples/digit.png',
  await sharp(digit(0), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer(),
);
console.log(`examples/digit.png: MNIST test #0, a ${test.labels[0]}`);
// The same digit as an Open Inference Protocol request: the model's input itself, 4 decimals a pixel.
const data = Array.from(digit(0), (b) => Math.round((b / 255) * 1e4) / 1e4);
const infer = { id: `digit-${test.labels[0]}`, inputs: [{ name: 'image', shape: [1, 1, 28, 28], datatype: 'FP32', data }] };
writeFileSync('examples/infer.json', `${JSON.stringify(infer)}\n`);

// Dark ink on off-white paper, lit unevenly, with sensor grain: a handwritten digit as a phone would photograph it.
async function onPaper(ink: Buffer, inkWidth: number, width: number, height: number, seed: number) {
  const inkLarge = await sharp(ink, { raw: { width: inkWidth, height: 28, channels: 1 } })
    .resize({ height: Math.round(height * 0.55), kernel: 'cubic' })
    .blur(1.2)
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(width * height * 3);
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 18;
  const ox = Math.round((width - inkLarge.info.width) / 2);
  const oy = Math.round((height - inkLarge.info.height) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const light = 0.78 + 0.2 * (x / width) * (1 - 0.4 * (y / height)); // a window on the right
      const ix = x - ox;
      const iy = y - oy;
      const a =
        ix >= 0 && iy >= 0 && ix < inkLarge.info.width && iy < inkLarge.info.height
          ? inkLarge.data[iy * inkLarge.info.width + ix] / 255
          : 0;
      const paper = [246, 240, 226].map((c) => c * light);
      const pen = [38, 42, 70]; // blue-black ballpoint
      for (let c = 0; c < 3; c++) out[3 * (y * width + x) + c] = Math.max(0, Math.min(255, paper[c] * (1 - a) + pen[c] * a + noise()));
    }
  }
  return sharp(out, { raw: { width, height, channels: 3 } });
}

// 2. A phone photo: 1200×900 as stored, EXIF orientation 6 (the camera was held upright), JPEG.
const three = firstOf(3);
const photo = await (await onPaper(digit(three), 28, 900, 1200, 7)).png().toBuffer();
writeFileSync('examples/photo.jpg', await sharp(photo).rotate(-90).jpeg({ quality: 85 }).withMetadata({ orientation: 6 }).toBuffer());
console.log(`examples/photo.jpg: MNIST test #${three}, a 3, on paper, stored sideways with EXIF orientation 6`);

// 3. A number, for POST /read: five MNIST digits side by side, a zip code.
const zip = [9, 0, 2, 1, 0];
const row = Buffer.alloc(28 * 28 * zip.length);
zip.forEach((d, k) => {
  const pixels = digit(firstOf(d, k === 4 ? 1 : 0));
  for (let y = 0; y < 28; y++) pixels.copy(row, y * 28 * zip.length + k * 28, y * 28, (y + 1) * 28);
});
writeFileSync('examples/number.jpg', await (await onPaper(row, 28 * zip.length, 1400, 500, 11)).jpeg({ quality: 85 }).toBuffer());
console.log(`examples/number.jpg: ${zip.join('')} in five people's handwriting, on paper`);

// 4. A digit drawn on the draw page in Chromium, as the page sends it (a 280×280 canvas PNG).
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { logger: false });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  const box = (await page.locator('#pad').boundingBox())!;
  // A 5: the top bar and the stem in one stroke, then the bowl.
  const strokes: Array<Array<[number, number]>> = [
    [
      [200, 60],
      [90, 60],
      [85, 140],
    ],
    [
      [85, 140],
      [150, 128],
      [198, 168],
      [195, 220],
      [150, 246],
      [88, 232],
    ],
  ];
  for (const stroke of strokes) {
    await page.mouse.move(box.x + (stroke[0][0] * box.width) / 280, box.y + (stroke[0][1] * box.height) / 280);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1))
      await page.mouse.move(box.x + (x * box.width) / 280, box.y + (y * box.height) / 280, { steps: 10 });
    await page.mouse.up();
  }
  const dataUrl = await page.evaluate(() => (document.getElementById('pad') as HTMLCanvasElement).toDataURL('image/png'));
  writeFileSync('examples/canvas.png', Buffer.from(dataUrl.split(',')[1], 'base64'));
  console.log('examples/canvas.png: a 5 drawn on the draw page in Chromium');
} finally {
  await browser.close();
  await app.close();
}
