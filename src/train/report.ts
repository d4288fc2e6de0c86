// The training report picture: loss and accuracy curves, the confusion matrix, and the test digits the model got
// wrong. Drawn as SVG and rasterised by sharp (librsvg), so it needs no canvas library.
import sharp from 'sharp';
import writeFileAtomic from 'write-file-atomic';
import type { Evaluation } from './evaluate.js';
import { SIDE } from '../model/input-contract.js';
import { imageAt, type Split } from './mnist.js';
import type { Robustness } from './robustness.js';
import { robustnessPanel } from './robustness-chart.js';
import { text } from './svg-text.js';
import type { EpochRecord } from './trainer.js';

export interface ReportInput {
  title: string;
  history: EpochRecord[];
  lossCurve: Array<[number, number]>;
  stepsPerEpoch: number;
  final: Evaluation;
  test: Split;
  robustness?: Robustness;
  /** What lossCurve is (default: the running mean within epochs, as training records it). */
  lossCurveLabel?: string;
}

const W = 1200;
const H = 960;
const ROBUSTNESS_H = 340;

interface Series {
  points: Array<[number, number]>;
  color: string;
  label: string;
  dots?: boolean;
}

/** Round values for an axis over [lo, hi]: about `count` steps of 1, 2 or 5 × 10^k, the first at or below lo and
 * the last at or above hi (so the axis starts and ends on a labelled value), with the step. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9))!;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
  return { ticks, step };
}

/** Round values for a log axis over [lo, hi]: 1, 2 and 5 × 10^k (only the powers of ten over a wide range), from the
 * one at or below lo to the one at or above hi. */
export function logTicks(lo: number, hi: number): number[] {
  const all = (mantissas: number[]) => {
    const values: number[] = [];
    for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)) + 1; k++) {
      for (const m of mantissas) values.push(Number((m * 10 ** k).toPrecision(6)));
    }
    const from = values.filter((v) => v <= lo * (1 + 1e-9)).at(-1)!;
    const to = values.find((v) => v >= hi * (1 - 1e-9))!;
    return values.filter((v) => v >= from && v <= to);
  };
  const fine = all([1, 2, 5]);
  return fine.length <= 8 ? fine : all([1]);
}

/** A line chart in the box (x, y, w, h). Its y axis is labelled with round values (niceTicks, logTicks); `yFormat`
 * writes the values at the points, `suffix` follows each axis label. */
function lineChart(
  x: number,
  y: number,
  w: number,
  h: number,
  title: string,
  series: Series[],
  yFormat: (v: number) => string,
  log = false,
  suffix = '',
): string {
  const all = series.flatMap((s) => s.points);
  const tf = (v: number) => (log ? Math.log10(Math.max(v, 1e-6)) : v);
  const xs = all.map((p) => p[0]);
  const values = all.map((p) => (log ? Math.max(p[1], 1e-6) : p[1]));
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1, ...xs)];
  let [lo, hi] = [Math.min(...values), Math.max(...values)];
  if (hi - lo < 1e-9) [lo, hi] = log ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  let ticks: number[];
  let label: (v: number) => string;
  if (log) {
    ticks = logTicks(lo, hi);
    label = (v) => String(Number(v.toPrecision(1)));
  } else {
    const nice = niceTicks(lo, hi);
    ticks = nice.ticks;
    const decimals = Math.max(0, -Math.floor(Math.log10(nice.step) + 1e-9));
    label = (v) => `${v.toFixed(decimals)}${suffix}`;
  }
  const [y0, y1] = [tf(ticks[0]), tf(ticks.at(-1)!)];
  const pad = { l: 60, r: 16, t: 52, b: 36 }; // the legend sits above the plot
  const px = (v: number) => x + pad.l + ((v - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const py = (v: number) => y + h - pad.b - ((tf(v) - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const out = [
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff" stroke="#ddd"/>`,
    text(x + 12, y + 22, title, 'font-weight="bold" font-size="15"'),
  ];
  for (const v of ticks) {
    const gy = py(v);
    out.push(`<line x1="${x + pad.l}" x2="${x + w - pad.r}" y1="${gy}" y2="${gy}" stroke="#eee"/>`);
    out.push(text(x + pad.l - 6, gy + 4, label(v), 'text-anchor="end" font-size="11" fill="#666"'));
  }
  // Whole epochs on the x axis, at most ~10 labels.
  const step = Math.max(1, Math.ceil((x1 - x0) / 10));
  for (let e = Math.ceil(x0); e <= x1; e += step) {
    out.push(`<line x1="${px(e)}" x2="${px(e)}" y1="${y + pad.t}" y2="${y + h - pad.b}" stroke="#f2f2f2"/>`);
    out.push(text(px(e), y + h - pad.b + 14, String(e), 'text-anchor="middle" font-size="11" fill="#666"'));
  }
  const lastValues = series.filter((s) => s.dots && s.points.length).map((s) => s.points.at(-1)![1]);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    if (s.points.length === 1) {
      // One epoch has one point per series: a level line across the chart reads better than a lone dot at its edge.
      const ly = py(s.points[0][1]);
      out.push(
        `<line x1="${x + pad.l}" x2="${px(s.points[0][0])}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="6 4"/>`,
      );
    }
    if (s.dots) for (const p of s.points) out.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3.5" fill="${s.color}"/>`);
    if (s.dots) {
      // The last value, written next to its point: above it for the top series, below for the others.
      const [lx0, ly0] = s.points.at(-1)!;
      const above = ly0 >= Math.max(...lastValues);
      out.push(text(px(lx0) - 8, py(ly0) + (above ? -8 : 16), yFormat(ly0), `text-anchor="end" font-size="11" fill="${s.color}"`));
    }
    const lx = x + w - pad.r - 170;
    out.push(`<rect x="${lx}" y="${y + 12 + i * 16}" width="12" height="4" fill="${s.color}"/>`);
    out.push(text(lx + 18, y + 18 + i * 16, s.label, 'font-size="12"'));
  });
  out.push(text(x + w / 2, y + h - 10, 'epoch', 'text-anchor="middle" font-size="12" fill="#666"'));
  return out.join('\n');
}

function confusionMatrix(x: number, y: number, size: number, confusion: number[][]): string {
  const cell = (size - 60) / 10;
  const ox = x + 40;
  const oy = y + 46;
  const max = Math.max(...confusion.flat().filter((_, i) => i % 11 !== 0), 1);
  const out = [
    `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#fff" stroke="#ddd"/>`,
    text(x + 12, y + 22, 'Confusion matrix (rows: true digit, columns: predicted)', 'font-weight="bold" font-size="15"'),
  ];
  confusion.forEach((row, t) =>
    row.forEach((count, p) => {
      const diag = t === p;
      // Mistakes are shaded by how common they are (log scale), so rare ones still show.
      const a = diag ? 0.85 : count === 0 ? 0 : 0.15 + 0.85 * (Math.log1p(count) / Math.log1p(max));
      const fill = diag ? `rgba(46,139,87,${a})` : `rgba(214,39,40,${a.toFixed(3)})`;
      const cx = ox + p * cell;
      const cy = oy + t * cell;
      out.push(`<rect x="${cx}" y="${cy}" width="${cell}" height="${cell}" fill="${fill}" stroke="#f4f4f4"/>`);
      if (count > 0)
        out.push(
          text(
            cx + cell / 2,
            cy + cell / 2 + 4,
            String(count),
            `text-anchor="middle" font-size="${diag ? 11 : 12}" fill="${diag || a > 0.6 ? '#fff' : '#222'}"`,
          ),
        );
    }),
  );
  for (let i = 0; i < 10; i++) {
    out.push(text(ox + i * cell + cell / 2, oy - 6, String(i), 'text-anchor="middle" font-weight="bold"'));
    out.push(text(ox - 10, oy + i * cell + cell / 2 + 4, String(i), 'text-anchor="middle" font-weight="bold"'));
  }
  return out.join('\n');
}

async function digitDataUri(split: Split, index: number): Promise<string> {
  const raw = Buffer.from(imageAt(split, index));
  const png = await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .resize(2 * SIDE, 2 * SIDE, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

async function mistakesGrid(x: number, y: number, w: number, h: number, final: Evaluation, test: Split): Promise<string> {
  const wrong: number[] = [];
  for (let i = 0; i < test.count; i++) if (final.predicted[i] !== test.labels[i]) wrong.push(i);
  const cols = 8;
  const tile = (w - 24) / cols;
  const rows = Math.floor((h - 40) / (tile + 4));
  const shown = wrong.slice(0, cols * rows);
  const out = [
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff" stroke="#ddd"/>`,
    text(
      x + 12,
      y + 22,
      `Misclassified test digits (${shown.length} of ${wrong.length}): true → predicted`,
      'font-weight="bold" font-size="15"',
    ),
  ];
  for (const [k, index] of shown.entries()) {
    const tx = x + 12 + (k % cols) * tile;
    const ty = y + 36 + Math.floor(k / cols) * (tile + 4);
    const img = tile - 22;
    out.push(`<image x="${tx + 11}" y="${ty}" width="${img}" height="${img}" href="${await digitDataUri(test, index)}"/>`);
    out.push(
      text(tx + tile / 2, ty + img + 15, `${test.labels[index]} → ${final.predicted[index]}`, 'text-anchor="middle" font-size="12"'),
    );
  }
  return out.join('\n');
}

/** The report as SVG (what renderReport rasterises). */
export async function reportSvg(input: ReportInput): Promise<string> {
  const { history, lossCurve, stepsPerEpoch } = input;
  const epochOf = (step: number) => step / stepsPerEpoch;
  const height = H + (input.robustness ? ROBUSTNESS_H : 0);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">`,
    `<rect width="${W}" height="${height}" fill="#f7f7f9"/>`,
    text(20, 34, input.title, 'font-size="20" font-weight="bold"'),
    lineChart(
      20,
      50,
      570,
      340,
      'Loss (cross-entropy, log scale)',
      [
        { points: lossCurve.map(([s, l]) => [epochOf(s), l]), color: '#1f77b4', label: input.lossCurveLabel ?? 'train (running mean)' },
        { points: history.map((r) => [r.epoch, r.testLoss]), color: '#d62728', label: 'test', dots: true },
      ],
      (v) => v.toPrecision(2),
      true,
    ),
    lineChart(
      610,
      50,
      570,
      340,
      'Accuracy per epoch',
      [
        { points: history.map((r) => [r.epoch, 100 * r.trainAccuracy]), color: '#1f77b4', label: 'train', dots: true },
        { points: history.map((r) => [r.epoch, 100 * r.testAccuracy]), color: '#d62728', label: 'test', dots: true },
      ],
      (v) => `${v.toFixed(2)}%`,
      false,
      '%',
    ),
    confusionMatrix(20, 410, 530, input.final.confusion),
    await mistakesGrid(570, 410, 610, 530, input.final, input.test),
    input.robustness ? robustnessPanel(20, H + 10, W - 40, ROBUSTNESS_H - 20, input.robustness) : '',
    '</svg>',
  ].join('\n');
  return svg;
}

export async function renderReport(input: ReportInput): Promise<Buffer> {
  return sharp(Buffer.from(await reportSvg(input)))
    .png()
    .toBuffer();
}

export async function writeReport(file: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(file, await renderReport(input));
}
