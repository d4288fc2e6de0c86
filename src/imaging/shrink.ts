// A grey picture made smaller, as the reader reads a line too tall to be worth its pixels.
import type { Grey } from './mnist-normalise.js';
import { resample } from './resample.js';

/** The picture shrunk about f times with /predict's own area filter (resample.ts), and the factor it really took. */
export function shrinkGrey(grey: Grey, f: number): { grey: Grey; scale: number } {
  const width = Math.max(1, Math.round(grey.width / f));
  const height = Math.max(1, Math.round(grey.height / f));
  const data = resample(grey.data, grey.width, grey.height, width, height);
  let [lo, hi] = [255, 0];
  for (const v of data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return { grey: { data, width, height, alphaIsInk: grey.alphaIsInk, lo, hi }, scale: grey.width / width };
}
