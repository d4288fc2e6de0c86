// Connected components of the ink (8-connected), in two passes with a union-find over provisional labels: one pass
// over the pixels labels and records equivalences, the second resolves labels and measures each component.

export interface Component {
  /** Bounding box: left/top inclusive, right/bottom exclusive, in the ink page's coordinates. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** Pixels at or above the threshold. */
  area: number;
}

export interface Labelled {
  /** Per pixel: the index of its component in `components`, or -1 below the threshold. */
  labels: Int32Array;
  components: Component[];
}

export function connectedComponents(data: Uint8Array, width: number, height: number, threshold: number): Labelled {
  const labels = new Int32Array(width * height).fill(-1);
  // Union-find over provisional labels, grown as needed; parent[a] === a for a root.
  let parent = new Int32Array(256);
  let count = 0;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const union = (a: number, b: number): number => {
    if (a === b) return a;
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    if (ra < rb) return (parent[rb] = ra);
    return (parent[ra] = rb);
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] < threshold) continue;
      // Already-labelled neighbours: west, and the three above.
      let label = x > 0 ? labels[row + x - 1] : -1;
      if (y > 0) {
        const up = row - width + x;
        for (let dx = x > 0 ? -1 : 0; dx <= (x + 1 < width ? 1 : 0); dx++) {
          const n = labels[up + dx];
          if (n < 0 || n === label) continue;
          label = label < 0 ? n : union(label, n);
        }
      }
      if (label < 0) {
        if (count === parent.length) {
          const grown = new Int32Array(2 * count);
          grown.set(parent);
          parent = grown;
        }
        parent[count] = count;
        label = count++;
      }
      labels[row + x] = label;
    }
  }
  // Resolve to dense indices and measure.
  const index = new Int32Array(count).fill(-1);
  const components: Component[] = [];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const l = labels[row + x];
      if (l < 0) continue;
      const root = find(l);
      let c = index[root];
      if (c < 0) {
        c = index[root] = components.length;
        components.push({ left: x, top: y, right: x + 1, bottom: y + 1, area: 0 });
      }
      const comp = components[c];
      if (x < comp.left) comp.left = x;
      if (x + 1 > comp.right) comp.right = x + 1;
      comp.bottom = y + 1;
      comp.area++;
      labels[row + x] = c;
    }
  }
  return { labels, components };
}
