// `npm run bench:decode`: CPU time of our PNG decoder and of the normalisation after it, per picture bench:serve sends
// (scripts/bench/pictures.ts), in this process, without HTTP. BENCH_BASELINE=<a checkout of another commit, e.g.
// `git archive 34cef79 src | tar -x -C /tmp/old`> runs that tree's decoder in alternating rounds and prints new/old
// per round. The inflated data is copied in before each decode (as inflate leaves it: fresh, in the cache) and that
// copy's time is subtracted.
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { benchPictures } from './bench/pictures.js';
import { median } from './bench/rounds.js';

const N = Number(process.env.BENCH_DECODES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Tree {
  parsePngHeader: typeof import('../src/imaging/png-header.js').parsePngHeader;
  decodePngPixels: typeof import('../src/imaging/png-grey.js').decodePngPixels;
  toMnist: typeof import('../src/imaging/mnist-normalise.js').toMnist;
}
const load = async (root: string): Promise<Tree> => {
  const from = (file: string) => import(path.resolve(root, 'src/imaging', file));
  return { ...(await from('png-header.ts')), ...(await from('png-grey.ts')), ...(await from('mnist-normalise.ts')) };
};
const trees: [string, Tree][] = [['ours', await load('.')]];
if (process.env.BENCH_BASELINE) trees.unshift(['baseline', await load(process.env.BENCH_BASELINE)]);

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** µs of CPU per decode and per normalisation of `png`, over N of each. */
function measure(tree: Tree, png: Buffer) {
  const header = tree.parsePngHeader(png, 1 << 24);
  const inflated = inflateSync(Buffer.concat(header.idat));
  const raw = new Uint8Array(inflated.length);
  let t = cpuMs();
  for (let i = 0; i < N; i++) raw.set(inflated);
  const copy = cpuMs() - t;
  const greys = [];
  t = cpuMs();
  for (let i = 0; i < N; i++) {
    raw.set(inflated);
    greys.push(tree.decodePngPixels(header, raw));
  }
  const decode = cpuMs() - t - copy;
  t = cpuMs();
  for (const grey of greys) tree.toMnist(grey);
  return { decode: (decode / N) * 1000, normalise: ((cpuMs() - t) / N) * 1000 };
}

for (const picture of (await benchPictures()).filter((p) => p.type === 'image/png')) {
  const runs = new Map(trees.map(([name]) => [name, [] as ReturnType<typeof measure>[]]));
  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 warms every tree up; the order flips every round.
    for (const [name, tree] of round % 2 ? [...trees].reverse() : trees) {
      const result = measure(tree, picture.body);
      if (round > 0) runs.get(name)!.push(result);
    }
  }
  console.log(picture.name);
  for (const [name, results] of runs) {
    const [decode, normalise] = [median(results.map((r) => r.decode)), median(results.map((r) => r.normalise))];
    console.log(`  ${name.padEnd(8)} decode ${decode.toFixed(0).padStart(5)} µs   normalise ${normalise.toFixed(0).padStart(5)} µs`);
  }
  if (trees.length === 2) {
    const [old, ours] = [runs.get('baseline')!, runs.get('ours')!];
    const per = (key: 'decode' | 'normalise') => ours.map((r, i) => (r[key] / old[i][key]).toFixed(2)).join(' ');
    console.log(`  ours/baseline by round: decode ${per('decode')}; normalise ${per('normalise')}`);
  }
}
