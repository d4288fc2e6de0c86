// Text in the report's SVG, shared by its panels (report.ts, robustness-chart.ts): one font, escaped.
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A label at (x, y); `attrs` may set its own font-size and fill. */
export const text = (x: number, y: number, s: string, attrs = '') => {
  const size = attrs.includes('font-size') ? '' : 'font-size="13"';
  const fill = attrs.includes('fill=') ? '' : 'fill="#222"';
  return `<text x="${x}" y="${y}" ${FONT} ${size} ${fill} ${attrs}>${esc(s)}</text>`;
};
