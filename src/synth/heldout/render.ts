// A line of ink sent the ways people send numbers: a scan of paper (PNG), a phone photo (JPEG, with the light falling
// off, a shadow, grain, a tilt, and often stored sideways with an EXIF orientation), a drawing on a transparent canvas
// (RGBA PNG). Built from libvips layers (solid paper, the ink as an alpha mask, SVG gradients multiplied in); the only
// per-pixel JavaScript is the grain, which must come from the seed (libvips' noise does not).
import sharp from 'sharp';
import type { Draw } from './draw.js';
import type { Ink } from './glyph.js';
import type { Box } from '../../imaging/box.js';
import type { Line } from './layout.js';

export interface Picture {
  picture: Buffer;
  type: 'image/png' | 'image/jpeg';
  /** Each digit's ink box in the picture as a person sees it (EXIF orientation applied); absent where unknown. */
  boxes?: Box[];
}

type Rgb = [number, number, number];
const hex = ([r, g, b]: Rgb) =>
  `#${[r, g, b]
    .map((v) =>
      Math.max(0, Math.min(255, Math.round(v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
const PENS: Rgb[] = [
  [20, 20, 24], // black ballpoint
  [24, 38, 110], // blue ballpoint
  [70, 70, 72], // pencil
  [10, 30, 60], // navy felt tip
];

const rawOf = (data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4) =>
  sharp(Buffer.from(data.buffer, data.byteOffset, data.length), { raw: { width, height, channels } });

/** The ink padded by margins (in pixels), as one byte per pixel. */
function framed(ink: Ink, m: { left: number; right: number; top: number; bottom: number }): Ink {
  const width = ink.width + m.left + m.right;
  const height = ink.height + m.top + m.bottom;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < ink.height; y++) data.set(ink.data.subarray(y * ink.width, (y + 1) * ink.width), (y + m.top) * width + m.left);
  return { data, width, height };
}

/** `ink` (0..255) × opacity as the alpha of a solid pen colour: an RGBA layer. */
function penLayer(ink: Ink, pen: Rgb, opacity: number): Buffer {
  const rgba = Buffer.alloc(ink.width * ink.height * 4);
  for (let i = 0; i < ink.data.length; i++) {
    rgba[4 * i] = pen[0];
    rgba[4 * i + 1] = pen[1];
    rgba[4 * i + 2] = pen[2];
    rgba[4 * i + 3] = Math.round(ink.data[i] * opacity);
  }
  return rgba;
}

/** Gaussian grain with this sd, the same on all three channels (luminance noise, as a phone's is mostly). */
function addGrain(rgb: Buffer, sd: number, draw: Draw): void {
  for (let i = 0; i < rgb.length; i += 3) {
    const n = draw.gaussian(sd);
    for (let c = 0; c < 3; c++) rgb[i + c] = Math.max(0, Math.min(255, Math.round(rgb[i + c] + n)));
  }
}

const margins = (h: number, lo: number, hi: number, draw: Draw) => ({
  left: Math.round(draw.uniform(lo, hi) * h),
  right: Math.round(draw.uniform(lo, hi) * h),
  top: Math.round(draw.uniform(lo, hi) * h),
  bottom: Math.round(draw.uniform(lo, hi) * h),
});

const moved = (boxes: Box[] | undefined, dx: number, dy: number) => boxes?.map((b) => ({ ...b, x: b.x + dx, y: b.y + dy }));

/** A flatbed scan or a screenshot of paper: near-white paper, a pen, a little grain and softness; grey or RGB PNG. */
export async function paperPng(line: Line, digitHeight: number, draw: Draw): Promise<Picture> {
  const m = margins(digitHeight, 0.25, 1.2, draw);
  const ink = framed(line.ink, m);
  const tone = draw.uniform(226, 255);
  const paper: Rgb = [tone, tone - draw.uniform(0, 6), tone - draw.uniform(0, 12)];
  const scan = await sharp({ create: { width: ink.width, height: ink.height, channels: 3, background: hex(paper) } })
    .composite([
      { input: penLayer(ink, draw.pick(PENS), draw.uniform(0.8, 1)), raw: { width: ink.width, height: ink.height, channels: 4 } },
    ])
    .removeAlpha()
    .raw()
    .toBuffer();
  addGrain(scan, draw.uniform(0, 4), draw);
  let out = rawOf(scan, ink.width, ink.height, 3);
  const soft = draw.uniform(0, 0.8);
  if (soft > 0.3) out = rawOf(await out.blur(soft).raw().toBuffer(), ink.width, ink.height, 3);
  if (draw.chance(0.5)) out = out.greyscale();
  return {
    picture: await out.png({ compressionLevel: draw.int(1, 9) }).toBuffer(),
    type: 'image/png',
    boxes: moved(line.boxes, m.left, m.top),
  };
}

/** Light from one point falling off towards the edges, as SVG (multiplied over the paper). */
function lightSvg(width: number, height: number, draw: Draw): Buffer {
  const edge = Math.round(draw.uniform(150, 225));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs>` +
      `<radialGradient id="l" cx="${draw.uniform(0.1, 0.9)}" cy="${draw.uniform(0.1, 0.9)}" r="0.9">` +
      `<stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="rgb(${edge},${edge},${edge})"/></radialGradient>` +
      `</defs><rect width="100%" height="100%" fill="url(#l)"/></svg>`,
  );
}

/** A soft shadow from one side (a hand, the phone), as SVG (multiplied over the paper). */
function shadowSvg(width: number, height: number, draw: Draw): Buffer {
  const [x1, y1, x2, y2] = draw.pick(['0 0 1 0', '1 0 0 0', '0 0 0 1', '0 1 0 0']).split(' ');
  const shade = Math.round(draw.uniform(120, 255));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs>` +
      `<linearGradient id="s" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}">` +
      `<stop offset="0" stop-color="rgb(${shade},${shade},${shade})"/><stop offset="${draw.uniform(0.15, 0.5).toFixed(2)}" stop-color="#fff"/>` +
      `</linearGradient></defs><rect width="100%" height="100%" fill="url(#s)"/></svg>`,
  );
}

/** EXIF orientations a phone writes when held sideways or upside down, and the turn that stores the upright picture so. */
const SIDEWAYS = [
  { orientation: 6, store: 270 },
  { orientation: 8, store: 90 },
  { orientation: 3, store: 180 },
] as const;

/**
 * A phone photo of the paper: the line tilted up to ±7°, the paper off-white with a colour cast, lit unevenly with a
 * shadow, grain, out of focus a little, JPEG at quality 55–92; 40 % stored sideways or upside down with the EXIF
 * orientation that turns it upright. No boxes (the tilt moves them).
 */
export async function photoJpeg(line: Line, digitHeight: number, draw: Draw): Promise<Picture> {
  const angle = draw.uniform(-7, 7);
  const tilted = await rawOf(line.ink.data, line.ink.width, line.ink.height, 1)
    .rotate(angle, { background: '#000000' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ink = framed(
    {
      data: new Uint8Array(tilted.data.buffer, tilted.data.byteOffset, tilted.data.length),
      width: tilted.info.width,
      height: tilted.info.height,
    },
    margins(digitHeight, 0.5, 2.2, draw),
  );
  const tone = draw.uniform(200, 245);
  const warm = draw.uniform(-8, 14); // indoor light warm, daylight through a window cool
  const paper: Rgb = [tone + warm / 2, tone, tone - warm];
  const layered = await sharp({ create: { width: ink.width, height: ink.height, channels: 3, background: hex(paper) } })
    .composite([
      { input: penLayer(ink, draw.pick(PENS), draw.uniform(0.75, 1)), raw: { width: ink.width, height: ink.height, channels: 4 } },
      { input: lightSvg(ink.width, ink.height, draw), blend: 'multiply' },
      { input: shadowSvg(ink.width, ink.height, draw), blend: 'multiply' },
    ])
    .removeAlpha()
    .raw()
    .toBuffer();
  addGrain(layered, draw.uniform(2, 9), draw);
  let photo = rawOf(await rawOf(layered, ink.width, ink.height, 3).blur(draw.uniform(0.4, 1.4)).raw().toBuffer(), ink.width, ink.height, 3);
  if (draw.chance(0.4)) {
    const { orientation, store } = draw.pick(SIDEWAYS);
    photo = rawOf(
      await photo.rotate(store).raw().toBuffer(),
      store === 180 ? ink.width : ink.height,
      store === 180 ? ink.height : ink.width,
      3,
    ).withMetadata({
      orientation,
    });
  }
  const picture = await photo.jpeg({ quality: draw.int(55, 92), chromaSubsampling: '4:2:0' }).toBuffer();
  return { picture, type: 'image/jpeg' };
}

/**
 * A drawing exported from a browser canvas or a tablet app: the pen's colour (dark, blue, red or white) at the
 * stroke's coverage as alpha, everything else fully transparent; RGBA PNG.
 */
export async function canvasPng(line: Line, digitHeight: number, draw: Draw): Promise<Picture> {
  const m = margins(digitHeight, 0.1, 0.9, draw);
  const ink = framed(line.ink, m);
  const pen = draw.pick<Rgb>([
    [0, 0, 0],
    [30, 60, 200],
    [200, 30, 40],
    [255, 255, 255],
    [40, 40, 40],
  ]);
  const picture = await rawOf(new Uint8Array(penLayer(ink, pen, 1)), ink.width, ink.height, 4)
    .png()
    .toBuffer();
  return { picture, type: 'image/png', boxes: moved(line.boxes, m.left, m.top) };
}
