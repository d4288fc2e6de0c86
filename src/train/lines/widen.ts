// A trained line model made wider without changing what it computes (Net2WiderNet, Chen, Goodfellow & Shlens 2016):
// each new channel copies a channel of the same layer, and the next layer reads each copy with its share of the
// weight the original had, so the wider model starts where the trained one stands and training goes on from there.
// ReLU and max pooling act channel by channel, so a copied channel is the original's exact twin through them. The copies
// get a little noise on their incoming weights, or twins would keep identical gradients and never part.
import type { Params } from '../../model/init.js';
import { COLUMN_LAYERS, layerReach, reachKernel, widthsOf, type LineWidths, type Reaches, type ReachingLayer } from '../../model/line.js';
import { normal } from '../../model/random.js';

/** Layers in order, each with the layer that reads its channels. */
const CHAIN = [
  ['conv1', 'conv2'],
  ['conv2', 'conv3'],
  ['conv3', 'fc1'],
  ['fc1', 'fc2'],
] as const;

/** Relative size of the noise on a copy's incoming weights (against those weights' own spread). */
const NOISE = 0.01;

export function widenLine(params: Params, to: LineWidths, rng: () => number, noise = NOISE): Params {
  const from = widthsOf(params);
  // A context layer reads fc1's channels and has as many: widening fc1 would widen it both ways, which no recipe asks.
  if (from.context !== undefined && to.fc1 !== from.fc1) throw new Error('cannot widen fc1 under a context layer');
  const out: Params = new Map(params);
  for (const [layer, reader] of CHAIN) {
    const [n, wide] = [from[layer], to[layer]];
    if (wide < n) throw new Error(`cannot narrow ${layer} from ${n} to ${wide} channels`);
    if (wide === n) continue;
    // Channel j of the wider layer is a copy of channel source[j]; the first n are the originals.
    const source = Array.from({ length: wide }, (_, j) => (j < n ? j : Math.floor(rng() * n)));
    const copies = new Array<number>(n).fill(0);
    for (const s of source) copies[s]++;

    const weight = out.get(`${layer}.weight`)!;
    const bias = out.get(`${layer}.bias`)!;
    const fanIn = weight.length / n;
    const spread = Math.sqrt(weight.reduce((sum, v) => sum + v * v, 0) / weight.length);
    const w2 = new Float32Array(wide * fanIn);
    const b2 = new Float32Array(wide);
    source.forEach((s, j) => {
      for (let k = 0; k < fanIn; k++) w2[j * fanIn + k] = weight[s * fanIn + k] + (j < n ? 0 : noise * spread * normal(rng));
      b2[j] = bias[s];
    });
    out.set(`${layer}.weight`, w2);
    out.set(`${layer}.bias`, b2);

    // The reader's weights [outputs, n·kernel] → [outputs, wide·kernel], each copy's kernel divided among its twins.
    const next = out.get(`${reader}.weight`)!;
    const outputs = out.get(`${reader}.bias`)!.length;
    const kernel = next.length / (outputs * n);
    const r2 = new Float32Array(outputs * wide * kernel);
    for (let o = 0; o < outputs; o++) {
      source.forEach((s, j) => {
        for (let k = 0; k < kernel; k++) r2[(o * wide + j) * kernel + k] = next[(o * n + s) * kernel + k] / copies[s];
      });
    }
    out.set(`${reader}.weight`, r2);
  }
  return out;
}

/**
 * A trained line model whose per-column layers (fc1, fc2, and a context layer where it has one) read as many
 * neighbouring columns on either side as `to` says, without changing what it computes: each old kernel becomes the
 * centre tap of the wider one, the new taps zero. Training then learns what the neighbours are worth (their gradients
 * are not zero) from where the trained model stands.
 */
export function reachFurther(params: Params, to: Reaches): Params {
  const from = widthsOf(params);
  const out: Params = new Map(params);
  const layers: ReachingLayer[] = from.context === undefined ? [...COLUMN_LAYERS] : [...COLUMN_LAYERS, 'context'];
  for (const layer of layers) {
    const [had, wants] = [reachKernel(from, layer), reachKernel(to, layer)];
    if (wants < had) throw new Error(`cannot shorten ${layer}'s reach from ${layerReach(from, layer)} to ${layerReach(to, layer)}`);
    if (wants === had) continue;
    out.set(`${layer}.weight`, centred(out.get(`${layer}.weight`)!, had, wants));
  }
  return out;
}

/** Each kernel row of `had` taps at the centre of a row of `wants`, zeros beside. */
function centred(weight: ArrayLike<number>, had: number, wants: number): Float32Array {
  const rows = weight.length / had;
  const grown = new Float32Array(rows * wants);
  const shift = (wants - had) / 2;
  for (let i = 0; i < rows; i++) for (let k = 0; k < had; k++) grown[i * wants + shift + k] = weight[i * had + k];
  return grown;
}

/**
 * A trained line model with a context layer put between fc1 and fc2, reading `reach` columns on either side, without
 * changing what it computes (Net2DeeperNet, Chen et al. 2016): its centre tap is the identity and the others zero, and
 * fc1's output has been through a ReLU already, so ReLU(identity · x) = x. Training then learns what the layer adds.
 */
export function addContext(params: Params, reach: number): Params {
  const from = widthsOf(params);
  if (from.context !== undefined) throw new Error('the model has a context layer already');
  const [n, kernel] = [from.fc1, reachKernel({ context: reach }, 'context')];
  const weight = new Float32Array(n * n * kernel);
  for (let i = 0; i < n; i++) weight[(i * n + i) * kernel + reach] = 1;
  return new Map([...params, ['context.weight', weight], ['context.bias', new Float32Array(n)]]);
}
