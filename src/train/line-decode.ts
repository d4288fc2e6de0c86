// Best-path decoding of the line model's scores, for the trainer's validation figures: the most likely class in each
// column, repeats merged, blanks dropped. (The service's decoder, with beam search and confidences, is the reader's.)
import { BLANK, LINE_CLASSES } from '../model/line.js';

/** Sample i's best path over `frames` columns of scores [N × frames × 11]. */
export function bestPath(scores: Float32Array, i: number, frames: number): number[] {
  const out: number[] = [];
  let previous = BLANK;
  for (let t = 0; t < frames; t++) {
    const row = (i * frames + t) * LINE_CLASSES;
    let best = 0;
    for (let k = 1; k < LINE_CLASSES; k++) if (scores[row + k] > scores[row + best]) best = k;
    if (best !== BLANK && best !== previous) out.push(best);
    previous = best;
  }
  return out;
}
