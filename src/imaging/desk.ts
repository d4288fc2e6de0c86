// The desk beyond a photographed sheet is not ink: where the sheet does not fill the photo, what lies around it (a
// desk, a hand, the sheet's shadowed edge) survives even light as bright bands along the picture's edges, and the
// line's ink box would take them in. Writing meets an edge only where a stroke is cut by it, a few pixels at a time; the
// desk runs along it.
import { connectedComponents } from './components.js';
import type { Ink } from './mnist-normalise.js';

/** A component that runs along one of the picture's edges, unbroken, for more than this share of its shorter side is
 * the desk. */
const DESK_CONTACT = 0.15;

/** `ink` with the components that run along its edges erased (in place), and how many were. */
export function withoutDesk(ink: Ink): { ink: Ink; erased: number } {
  const { data, width, height, max, background } = ink;
  if (max <= background) return { ink, erased: 0 };
  // Only strong ink counts along the edge: a shadowed margin evens out to faint ink joined to the writing, where the
  // desk stays bright.
  const strong = background + (max - background) / 3;
  const limit = DESK_CONTACT * Math.min(width, height);
  // Most pages have no such streak at all, and are left without labelling their components.
  if (!strongStreak(data, width, height, strong, limit)) return { ink, erased: 0 };
  // Everything the ink crop would keep (above the paper's level): the desk's grain joins into one component there.
  const { runs, components } = connectedComponents(data, width, height, Math.min(255, background + 1));
  // Each edge pixel's component (−1: paper), the four edges in turn.
  const edges = [width, width, height, height].map((n) => new Int32Array(n).fill(-1));
  const [top, bottom, left, right] = edges;
  const mark = (edge: Int32Array, i: number, at: number, c: number) => {
    if (data[at] >= strong) edge[i] = c;
  };
  for (let r = 0; r < runs.count; r++) {
    const [y, start, end, c] = [runs.row[r], runs.start[r], runs.end[r], runs.component[r]];
    if (y === 0) for (let x = start; x < end; x++) mark(top, x, x, c);
    if (y === height - 1) for (let x = start; x < end; x++) mark(bottom, x, y * width + x, c);
    if (start === 0) mark(left, y, y * width, c);
    if (end === width) mark(right, y, y * width + width - 1, c);
  }
  const desk = new Uint8Array(components.length);
  for (const edge of edges) {
    for (let i = 0, streak = 0; i < edge.length; i++) {
      streak = edge[i] >= 0 && i > 0 && edge[i] === edge[i - 1] ? streak + 1 : 1;
      if (edge[i] >= 0 && streak > limit) desk[edge[i]] = 1;
    }
  }
  const erased = desk.reduce((n, d) => n + d, 0);
  if (erased === 0) return { ink, erased };
  for (let r = 0; r < runs.count; r++) {
    // A pixel or two beyond the run: the desk's edge is blurred into the sheet below the threshold.
    const row = runs.row[r] * width;
    if (desk[runs.component[r]]) data.fill(0, row + Math.max(0, runs.start[r] - 2), row + Math.min(width, runs.end[r] + 2));
  }
  return { ink, erased };
}

/** Whether strong ink runs unbroken along one of the edges for more than `limit` pixels (whatever its components). */
function strongStreak(data: Uint8Array, width: number, height: number, strong: number, limit: number): boolean {
  const along = (n: number, at: (i: number) => number) => {
    for (let i = 0, streak = 0; i < n; i++) {
      streak = data[at(i)] >= strong ? streak + 1 : 0;
      if (streak > limit) return true;
    }
    return false;
  };
  return (
    along(width, (x) => x) ||
    along(width, (x) => (height - 1) * width + x) ||
    along(height, (y) => y * width) ||
    along(height, (y) => y * width + width - 1)
  );
}
