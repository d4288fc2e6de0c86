// What a line's ink page (src/imaging/ink-page.ts) kept of a picture's writing: the tests of every step that clears
// pixels from a page (printed rules, tight crops) hold it to keeping each pixel of strong ink.
import type { InkPage } from '../../src/imaging/ink-page.js';

/** Of the picture's pixels for which `strong(x, y)`, how many are still ink on `page` and how many were lost (cleared,
 * or outside its box). */
export function strongPixels(
  page: InkPage,
  { width, height }: { width: number; height: number },
  strong: (x: number, y: number) => boolean,
): { kept: number; lost: number } {
  let [kept, lost] = [0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!strong(x, y)) continue;
      const inside = x >= page.x && x < page.x + page.width && y >= page.y && y < page.y + page.height;
      if (inside && page.data[(y - page.y) * page.width + x - page.x] > 0) kept++;
      else lost++;
    }
  }
  return { kept, lost };
}
