// Whether the 28×28 picture /predict's model saw holds a line of digits rather than one: /predict squashes a whole
// number into one digit's box and answers one digit, so its answer says so and names POST /read. Read from the model's
// input (784 bytes, after the ink was cropped and scaled with its aspect kept), so it costs no second decode.
import { bottom as bottomOf, right as rightOf } from '../imaging/box.js';
import { connectedComponents } from '../imaging/components.js';

/** Ink level (0..255) from which a pixel of the 28×28 input is a stroke. */
const STROKE = 64;
/** Wider than tall by this much: no single MNIST test digit is (at most 1.67 of 3,000), every line of 3+ digits is
 * (at least 2.0 over 400 synthetic lines: test/predict-hint.test.ts). */
const LINE_ASPECT = 2;
/** Two or more digit-sized pieces side by side, and the ink at least this much wider than tall. */
const PIECES_ASPECT = 1.2;

export function severalDigitsHint(pixels: Uint8Array, side = 28): string | undefined {
  const { components } = connectedComponents(pixels, side, side, STROKE);
  if (components.length === 0) return undefined;
  const left = Math.min(...components.map((c) => c.x));
  const right = Math.max(...components.map(rightOf));
  const top = Math.min(...components.map((c) => c.y));
  const bottom = Math.max(...components.map(bottomOf));
  const aspect = (right - left) / (bottom - top);
  // Digit-sized: at least half the ink's height (not a dot, not a stray mark), counted when it starts right of the others.
  let pieces = 0;
  let reach = -1;
  for (const c of components.filter((c) => 2 * c.height >= bottom - top && c.area >= 3).sort((a, b) => a.x - b.x)) {
    if (c.x >= reach) pieces++;
    reach = Math.max(reach, rightOf(c));
  }
  if (aspect >= LINE_ASPECT || (pieces >= 2 && aspect >= PIECES_ASPECT)) {
    // The width says it best where it decides: at 28×28 two close digits can merge into one piece.
    const what =
      aspect >= LINE_ASPECT ? `its ink is ${aspect.toFixed(1)} times as wide as tall` : `${pieces} digit-sized pieces side by side`;
    return `this picture looks like several digits (${what}): /predict reads one digit; POST /read reads a whole number`;
  }
  return undefined;
}
