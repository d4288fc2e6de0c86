// A float layer the composers draw ink, light and paper into before sharp encodes it, with the few operations they share.

/** The largest picture the composer hands out. */
export const MAX_WIDTH = 2000;
export const MAX_HEIGHT = 800;
/** Working layers may exceed the picture (margins before a crop, a photo's sheet before its warp), never by more. */
const MAX_WORK_PIXELS = 4 * MAX_WIDTH * MAX_HEIGHT;

export interface Layer {
  width: number;
  height: number;
  data: Float32Array;
}

export function createLayer(width: number, height: number, fill = 0): Layer {
  const w = Math.max(1, Math.ceil(width));
  const h = Math.max(1, Math.ceil(height));
  if (w * h > MAX_WORK_PIXELS) throw new Error(`crosscheck: a ${w}×${h} working layer is over its bound`);
  const data = new Float32Array(w * h);
  if (fill !== 0) data.fill(fill);
  return { width: w, height: h, data };
}

export const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** Bilinear sample, 0 outside. */
export function sample(layer: Layer, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const { width, height, data } = layer;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
    const i = y0 * width + x0;
    return (data[i] * (1 - fx) + data[i + 1] * fx) * (1 - fy) + (data[i + width] * (1 - fx) + data[i + width + 1] * fx) * fy;
  }
  if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) return 0;
  // On the border: the taps outside count as blank.
  let sum = 0;
  for (let j = 0; j < 2; j++)
    for (let k = 0; k < 2; k++) {
      const xx = x0 + k;
      const yy = y0 + j;
      if (xx >= 0 && yy >= 0 && xx < width && yy < height) sum += data[yy * width + xx] * (k ? fx : 1 - fx) * (j ? fy : 1 - fy);
    }
  return sum;
}

/** Catmull-Rom weights: smooth enough that a 28-pixel digit blown up several times keeps round curves. */
function cubicWeights(t: number, w: Float32Array) {
  const t2 = t * t;
  const t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1;
  w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
}
const wx = new Float32Array(4);
const wy = new Float32Array(4);

/** Bicubic sample of a small layer, 0 outside. */
export function sampleCubic(layer: Layer, x: number, y: number): number {
  const { width, height, data: pixels } = layer;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  if (x0 < -2 || y0 < -2 || x0 > width || y0 > height) return 0;
  cubicWeights(x - x0, wx);
  cubicWeights(y - y0, wy);
  let sum = 0;
  for (let j = 0; j < 4; j++) {
    const yy = y0 - 1 + j;
    if (yy < 0 || yy >= height) continue;
    let row = 0;
    for (let i = 0; i < 4; i++) {
      const xx = x0 - 1 + i;
      if (xx >= 0 && xx < width) row += wx[i] * pixels[yy * width + xx];
    }
    sum += wy[j] * row;
  }
  return sum;
}

/** Separable Gaussian blur in place; sigma under a third of a pixel leaves the layer as it is. */
export function blur(layer: Layer, sigma: number): void {
  if (sigma < 0.33) return;
  const radius = Math.min(Math.ceil(3 * sigma), 64);
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  const { width, height, data } = layer;
  const line = new Float32Array(Math.max(width, height));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) line[x] = data[row + x];
    convolve(line, width, kernel, radius, data, row, 1);
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = data[y * width + x];
    convolve(line, height, kernel, radius, data, x, width);
  }
}

/** One row or column through the kernel, the edge repeated; the middle without bounds checks. */
function convolve(line: Float32Array, n: number, kernel: Float32Array, radius: number, out: Float32Array, start: number, stride: number) {
  for (let i = 0; i < n; i++) {
    let s = 0;
    if (i >= radius && i + radius < n) for (let k = 0; k <= 2 * radius; k++) s += kernel[k] * line[i - radius + k];
    else for (let k = -radius; k <= radius; k++) s += kernel[k + radius] * line[clamp(i + k, 0, n - 1)];
    out[start + i * stride] = s;
  }
}

/** Ink of a round pen tip at (cx, cy), antialiased over a pixel, kept where it is darker than what is there. */
export function stampDisk(layer: Layer, cx: number, cy: number, r: number, value = 1): void {
  const { width, height, data } = layer;
  const x0 = Math.max(0, Math.floor(cx - r - 1));
  const x1 = Math.min(width - 1, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1));
  const y1 = Math.min(height - 1, Math.ceil(cy + r + 1));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x - cx, y - cy);
      const cover = clamp(r + 0.5 - d, 0, 1) * value;
      const i = y * width + x;
      if (cover > data[i]) data[i] = cover;
    }
}

/** Grey dilation (positive radius) or erosion (negative) by a disk: a broader or finer pen over the same path. */
export function morph(layer: Layer, radius: number): Layer {
  const r = Math.abs(radius);
  if (r < 0.5) return layer;
  const reach = Math.ceil(r);
  const offsets: number[] = [];
  for (let dy = -reach; dy <= reach; dy++) for (let dx = -reach; dx <= reach; dx++) if (dx * dx + dy * dy <= r * r) offsets.push(dx, dy);
  const { width, height, data } = layer;
  const out = createLayer(width, height);
  const grow = radius > 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = grow ? 0 : 1;
      for (let k = 0; k < offsets.length; k += 2) {
        const xx = x + offsets[k];
        const yy = y + offsets[k + 1];
        const s = xx < 0 || yy < 0 || xx >= width || yy >= height ? 0 : data[yy * width + xx];
        v = grow ? Math.max(v, s) : Math.min(v, s);
      }
      out.data[y * width + x] = v;
    }
  return out;
}

/** Area-averaged resize, for shrinking a layout that came out wider than a picture may be. */
export function resize(layer: Layer, width: number, height: number): Layer {
  const out = createLayer(width, height);
  const sx = layer.width / out.width;
  const sy = layer.height / out.height;
  for (let y = 0; y < out.height; y++)
    for (let x = 0; x < out.width; x++) {
      let s = 0;
      let n = 0;
      for (let yy = Math.floor(y * sy); yy < Math.min(layer.height, Math.ceil((y + 1) * sy)); yy++)
        for (let xx = Math.floor(x * sx); xx < Math.min(layer.width, Math.ceil((x + 1) * sx)); xx++) {
          s += layer.data[yy * layer.width + xx];
          n++;
        }
      out.data[y * out.width + x] = n ? s / n : 0;
    }
  return out;
}

/** A smooth random field (a few broad waves), for uneven pressure, paper, light and a wavering hand. */
export interface Field {
  at(x: number, y: number): number;
  /** The field over a width×height grid whose pixel (x, y) reads the field at (p0 + px·x + py·y, q0 + qx·x + qy·y). */
  grid(width: number, height: number, map?: readonly [number, number, number, number, number, number]): Layer;
}

export function smoothField(rng: { uniform(lo: number, hi: number): number }, waves: number, scale: number): Field {
  const parts = Array.from({ length: waves }, () => ({
    fx: (2 * Math.PI * rng.uniform(-1, 1)) / scale,
    fy: (2 * Math.PI * rng.uniform(-1, 1)) / scale,
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  const norm = 1 / Math.sqrt(waves);
  return {
    at(x, y) {
      let s = 0;
      for (const p of parts) s += Math.sin(p.fx * x + p.fy * y + p.phase);
      return s * norm;
    },
    grid(width, height, map = [0, 1, 0, 0, 0, 1]) {
      const [p0, px, py, q0, qx, qy] = map;
      const out = createLayer(width, height);
      const sx = new Float32Array(width);
      const cx = new Float32Array(width);
      // sin(αx + βy + γ) = sin(αx)·cos(βy + γ) + cos(αx)·sin(βy + γ): two products a pixel instead of a sine.
      for (const p of parts) {
        const alpha = p.fx * px + p.fy * qx;
        const beta = p.fx * py + p.fy * qy;
        const gamma = p.fx * p0 + p.fy * q0 + p.phase;
        for (let x = 0; x < width; x++) {
          sx[x] = Math.sin(alpha * x) * norm;
          cx[x] = Math.cos(alpha * x) * norm;
        }
        for (let y = 0; y < height; y++) {
          const c = Math.cos(beta * y + gamma);
          const s = Math.sin(beta * y + gamma);
          const row = y * width;
          for (let x = 0; x < width; x++) out.data[row + x] += sx[x] * c + cx[x] * s;
        }
      }
      return out;
    },
  };
}

/** The layer turned by `angle` radians about its centre, grown so nothing is cut off. */
export function rotateLayer(layer: Layer, angle: number): Layer {
  if (Math.abs(angle) < 1e-3) return layer;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const width = Math.ceil(Math.abs(layer.width * cos) + Math.abs(layer.height * sin));
  const height = Math.ceil(Math.abs(layer.width * sin) + Math.abs(layer.height * cos));
  const out = createLayer(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const u = x + 0.5 - width / 2;
      const v = y + 0.5 - height / 2;
      out.data[y * width + x] = sample(layer, cos * u + sin * v + layer.width / 2 - 0.5, -sin * u + cos * v + layer.height / 2 - 0.5);
    }
  return out;
}
