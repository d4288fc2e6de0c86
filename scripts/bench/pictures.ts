// The pictures bench:serve sends, made the way users' tools make them: a 28×28 MNIST PNG, a 280×280 drawing written with
// adaptive row filters (as PIL, libpng and phones write PNGs), a real canvas upload encoded by Chromium, and a 12 Mpx
// phone-photo JPEG with EXIF orientation. Each is built from an MNIST test digit, so every answer has a right digit.
import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { loadMnist } from '../../src/train/mnist.js';

export interface Picture {
  name: string;
  body: Buffer;
  type: 'image/png' | 'image/jpeg';
  /** For a PNG, how many rows use each filter (none, sub, up, average, paeth). */
  filters?: number[];
}

/** Counts each row's filter byte in a PNG (8-bit, not interlaced): what decides how much decoding work a row is. */
export function filterMix(png: Buffer): number[] {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[png[25]] ?? 4;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const mix = [0, 0, 0, 0, 0];
  for (let row = 0; row < height; row++) mix[raw[row * (width * channels + 1)]]++;
  return mix;
}

const describeMix = (mix: number[]) => ['none', 'sub', 'up', 'avg', 'paeth'].map((f, i) => `${f} ${mix[i]}`).join(', ');
export const describe = (p: Picture) =>
  `${p.name}: ${p.body.length} B ${p.type}${p.filters ? ` (rows by filter: ${describeMix(p.filters)})` : ''}`;

/** Strokes drawn in headless Chromium on the draw page's canvas (dark pen on white), sent as the page sends them. */
async function canvasUpload(): Promise<Buffer | undefined> {
  if (!existsSync('/usr/bin/chromium')) return undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const base64 = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 280;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 280, 280);
      Object.assign(ctx, { strokeStyle: '#111', lineWidth: 20, lineCap: 'round', lineJoin: 'round' });
      ctx.beginPath(); // a 7: the bar, then the stem with a slight curve
      ctx.moveTo(70, 70);
      ctx.lineTo(205, 66);
      ctx.quadraticCurveTo(160, 140, 125, 220);
      ctx.stroke();
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = '';
      for (const b of bytes) text += String.fromCharCode(b);
      return btoa(text);
    });
    return Buffer.from(base64, 'base64');
  } finally {
    await browser.close();
  }
}

/** A phone photo of a digit on paper: 3024×4032 stored landscape with EXIF orientation 6, uneven light, grain, q90. */
async function phonePhoto(digit: Buffer): Promise<Buffer> {
  const [w, h] = [4032, 3024];
  const ink = await sharp(digit, { raw: { width: 28, height: 28, channels: 1 } })
    .resize(1400, 1400)
    .negate()
    .rotate(-90, { background: '#fff' })
    .toColourspace('srgb')
    .png()
    .toBuffer();
  const light = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><radialGradient id="g" cx="35%" cy="40%" r="80%">` +
      `<stop offset="0" stop-color="#efe9dc"/><stop offset="1" stop-color="#9d978b"/></radialGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
  const grain = await sharp({
    create: { width: w, height: h, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } },
  })
    .png()
    .toBuffer();
  return sharp(light)
    .composite([
      { input: ink, blend: 'multiply', left: 1300, top: 800 },
      { input: grain, blend: 'overlay' },
    ])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export async function benchPictures(): Promise<Picture[]> {
  const { test } = loadMnist();
  const digit = Buffer.from(test.images.subarray(0, 784)); // a 7
  const raw = () => sharp(digit, { raw: { width: 28, height: 28, channels: 1 } });
  const png = (name: string, body: Buffer): Picture => ({ name, body, type: 'image/png', filters: filterMix(body) });
  const pictures = [
    png('28×28 MNIST PNG', await raw().png().toBuffer()),
    // libspng's adaptive filtering picks each row's filter by the same heuristic as libpng (and so PIL).
    png(
      '280×280 RGB drawing, adaptive filters',
      await raw().resize(280, 280).negate().toColourspace('srgb').png({ adaptiveFiltering: true }).toBuffer(),
    ),
  ];
  const canvas = await canvasUpload();
  if (canvas) pictures.push(png('280×280 canvas.toBlob from Chromium', canvas));
  pictures.push({ name: '3024×4032 phone photo JPEG', body: await phonePhoto(digit), type: 'image/jpeg' });
  return pictures;
}
