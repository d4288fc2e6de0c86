// The robustness panel of the training report: accuracy per distortion family at each strength, and per form users
// send, as bars against the plain test accuracy.
import type { Robustness } from './robustness.js';
import { text } from './svg-text.js';

const COLORS = { mild: '#9ecae1', moderate: '#3182bd', strong: '#08519c', form: '#e6550d' };

export function robustnessPanel(x: number, y: number, w: number, h: number, r: Robustness): string {
  const groups: Array<{ label: string; bars: Array<{ value: number; color: string }> }> = [
    ...r.families.map((f) => ({ label: f.name, bars: f.levels.map((l) => ({ value: l.accuracy, color: COLORS[l.strength] })) })),
    ...r.forms.map((f) => ({ label: f.label, bars: [{ value: f.accuracy, color: COLORS.form }] })),
  ];
  const values = groups.flatMap((g) => g.bars.map((b) => b.value));
  const lo = Math.min(0.8, Math.floor(Math.min(...values) * 20) / 20);
  const pad = { l: 60, r: 16, t: 56, b: 92 };
  const plotW = w - pad.l - pad.r;
  const py = (v: number) => y + h - pad.b - ((Math.max(v, lo) - lo) / (1 - lo)) * (h - pad.t - pad.b);
  const slots = groups.reduce((n, g) => n + g.bars.length + 1, 0);
  const bar = plotW / slots;
  const out = [
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff" stroke="#ddd"/>`,
    text(
      x + 12,
      y + 22,
      `Robustness: accuracy on distorted copies of the ${r.images} test digits, normalised by the service`,
      'font-weight="bold" font-size="15"',
    ),
  ];
  // The plain accuracy is named in the legend, not written at the end of its line, where it fell on the last bars.
  const legend: Array<[string, string]> = [
    ['mild', COLORS.mild],
    ['moderate', COLORS.moderate],
    ['strong', COLORS.strong],
    ['forms users send', COLORS.form],
    [`plain test set ${(100 * r.plain).toFixed(2)}%`, '#d62728'],
  ];
  legend.forEach(([label, color], i) => {
    const lx = x + 12 + i * 150;
    out.push(`<rect x="${lx}" y="${y + 34}" width="12" height="10" fill="${color}"/>`, text(lx + 18, y + 44, label, 'font-size="12"'));
  });
  for (let v = lo; v <= 1.0001; v += 1 - lo > 0.25 ? 0.1 : 0.05) {
    out.push(`<line x1="${x + pad.l}" x2="${x + w - pad.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
    out.push(text(x + pad.l - 6, py(v) + 4, `${(100 * v).toFixed(0)}%`, 'text-anchor="end" font-size="11" fill="#666"'));
  }
  let slot = 0;
  for (const g of groups) {
    const gx = x + pad.l + (slot + 0.5) * bar;
    g.bars.forEach((b, k) => {
      const bx = gx + k * bar;
      out.push(
        `<rect x="${bx.toFixed(1)}" y="${py(b.value).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${(py(lo) - py(b.value)).toFixed(1)}" fill="${b.color}"/>`,
      );
      if (g.bars.length === 1 || k === 1)
        out.push(text(bx + bar / 2 - 1, py(b.value) - 4, (100 * b.value).toFixed(1), 'text-anchor="middle" font-size="10" fill="#333"'));
    });
    const cx = gx + (g.bars.length * bar) / 2;
    out.push(text(cx, y + h - pad.b + 14, g.label, `text-anchor="end" font-size="11" transform="rotate(-35 ${cx} ${y + h - pad.b + 14})"`));
    slot += g.bars.length + 1;
  }
  out.push(
    `<line x1="${x + pad.l}" x2="${x + w - pad.r}" y1="${py(r.plain)}" y2="${py(r.plain)}" stroke="#d62728" stroke-dasharray="5,3"/>`,
  );
  return out.join('\n');
}
