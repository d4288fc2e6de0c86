// A contact sheet for the scripts that show what a step does to pictures (rules-sheet.ts, desk-sheet.ts): a row of
// titles, then one row of cells per picture, each cell a picture fitted into the same box on grey.
import sharp, { type OverlayOptions } from 'sharp';

const [GAP, CAPTION] = [8, 24];

/** `text` as a PNG in dark grey, `size` points. */
export const label = (text: string, size = 15) =>
  sharp({ text: { text: `<span foreground="#222">${text}</span>`, font: `sans ${size}`, dpi: 72, rgba: true } })
    .png()
    .toBuffer();

/** A picture (encoded, or raw grey levels) fitted into width × height on grey. */
export const cell = (input: Buffer, width: number, height: number, raw?: { width: number; height: number; channels: 1 }) =>
  sharp(input, raw ? { raw } : {})
    .resize({ width, height, fit: 'contain', background: '#808080' })
    .flatten({ background: '#808080' })
    .png()
    .toBuffer();

/** Writes `rows` of cells (each already width × height) under `titles` to `out`, as a PNG of few colours. */
export async function writeContactSheet(out: string, titles: string[], rows: Buffer[][], width: number, height: number) {
  const layers: OverlayOptions[] = [];
  for (const [k, title] of titles.entries()) layers.push({ input: await label(title), left: k * (width + GAP) + 4, top: 2 });
  rows.forEach((row, r) => row.forEach((input, k) => layers.push({ input, left: k * (width + GAP), top: CAPTION + r * (height + GAP) })));
  const size = { width: titles.length * width + (titles.length - 1) * GAP, height: CAPTION + rows.length * (height + GAP) };
  await sharp({ create: { ...size, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png({ palette: true })
    .toFile(out);
}
