// `tsx scripts/read-cost.ts --baseline <another checkout> [--rounds 5] [--reads 600] [--reader combined]`: the CPU a
// POST /read costs, measured in process (app.inject through the same route and readers, the committed models, CPU, as
// under WORKERS=2: no preprocessing threads), without an HTTP load: for a change to the readers, on a machine shared
// with others. Each round starts a fresh process per tree (this one and the baseline, order flipped every round), which
// warms up, then reads bench:read's zip N times one at a time (CPU ms a read, p50), N times 16 at once (CPU ms a read),
// and a mix of every set of src/synth/numbers.ts (CPU ms a read). It prints each round, the medians and new ÷ old (of
// the medians, and the median of the rounds' own ratios), and checks that both trees gave the same answers (texts and
// boxes equal, confidences and probabilities to 1e-6).
// The baseline is a checkout with node_modules (e.g. `git worktree add --detach /tmp/base <commit>` and a symlink to
// this tree's node_modules); the script loads each tree's own src/ through tsx.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './bench/rounds.js';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    reads: { type: 'string', default: '600' },
    reader: { type: 'string', default: 'combined' },
    child: { type: 'string' },
    pictures: { type: 'string' },
  },
});
const READS = Number(args.reads);
const CONCURRENT = 16;

interface Costs {
  c1: number;
  c1p50: number;
  c16: number;
  mix: number;
  answers: Record<string, unknown>;
}

/** One tree's costs, in this process: `root`'s own buildApp on the pictures in `dir`. */
async function measure(root: string, dir: string): Promise<Costs> {
  const load = (file: string) => import(pathToFileURL(path.join(root, file)).href);
  const { buildApp } = await load('src/server/app.ts');
  const { loadConfig } = await load('src/server/config.ts');
  const env = { LOG_LEVEL: 'silent', EXECUTION_PROVIDER: 'cpu', READER: args.reader, WORKERS: '2' };
  const app = await buildApp(loadConfig(env), { logger: false });
  await app.ready();
  const files = readdirSync(dir).sort();
  const pictures = files.map((f) => ({
    name: f,
    body: readFileSync(path.join(dir, f)),
    type: f.endsWith('.jpg') ? 'image/jpeg' : 'image/png',
  }));
  const zip = pictures.find((p) => p.name === 'zip.png')!;
  const post = async (p: (typeof pictures)[number]) => {
    const res = await app.inject({ method: 'POST', url: '/read', headers: { 'content-type': p.type }, payload: p.body });
    return res.json();
  };
  const cpuMs = async (reads: number, run: () => Promise<void>) => {
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / reads;
  };
  for (let i = 0; i < 300; i++) await post(zip);
  for (const p of pictures) await post(p);
  const walls: number[] = [];
  const c1 = await cpuMs(READS, async () => {
    for (let i = 0; i < READS; i++) {
      const t = performance.now();
      await post(zip);
      walls.push(performance.now() - t);
    }
  });
  const c16 = await cpuMs(READS, () =>
    Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        for (let i = 0; i < READS / CONCURRENT; i++) await post(zip);
      }),
    ).then(() => undefined),
  );
  const passes = Math.max(1, Math.round(READS / 4 / pictures.length));
  const mix = await cpuMs(passes * pictures.length, async () => {
    for (let k = 0; k < passes; k++) for (const p of pictures) await post(p);
  });
  const answers: Record<string, unknown> = {};
  for (const p of pictures) answers[p.name] = await post(p);
  await app.close();
  return { c1, c1p50: median(walls), c16, mix, answers };
}

/** Where two answers differ beyond 1e-6 in a number, or at all elsewhere; undefined when they agree. */
function difference(a: unknown, b: unknown, at = ''): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-6 ? undefined : `${at}: ${a} against ${b}`;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${at}: ${JSON.stringify(a)} against ${JSON.stringify(b)}`;
}

async function makePictures(): Promise<string> {
  const { loadMnist } = await import('../src/train/mnist.js');
  const { fontGlyphs, HANDWRITING_FONTS, makeSet } = await import('../src/synth/numbers.js');
  const { readZip } = await import('./bench/read-zip.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'read-cost-'));
  const { test } = loadMnist();
  writeFileSync(path.join(dir, 'zip.png'), await readZip(test));
  const fonts = (await Promise.all(HANDWRITING_FONTS.slice(0, 3).map(fontGlyphs))).filter((g) => g !== undefined);
  for (const [k, set] of (['wide', 'touching', 'photos', 'shadows', 'canvas', 'fonts'] as const).entries()) {
    if (set === 'fonts' && fonts.length === 0) continue;
    const samples = await makeSet(set, 6, 4600 + k, test, fonts);
    samples.forEach((s, i) => writeFileSync(path.join(dir, `${set}-${i}.${s.type === 'image/jpeg' ? 'jpg' : 'png'}`), s.picture));
  }
  return dir;
}

if (args.child) {
  process.stdout.write(JSON.stringify(await measure(args.child, args.pictures!)));
} else {
  if (!args.baseline) throw new Error('usage: tsx scripts/read-cost.ts --baseline <checkout> [--rounds N] [--reads N] [--reader R]');
  const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const trees = { new: here, old: path.resolve(args.baseline) };
  const dir = await makePictures();
  const run = (root: string): Costs =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          '--child',
          root,
          '--pictures',
          dir,
          '--reads',
          args.reads!,
          '--reader',
          args.reader!,
        ],
        {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        },
      ),
    );
  const results: Record<'new' | 'old', Costs[]> = { new: [], old: [] };
  const fmt = (c: Costs) =>
    `c1 ${c.c1.toFixed(3)} ms (p50 ${c.c1p50.toFixed(2)} ms), c16 ${c.c16.toFixed(3)} ms, mix ${c.mix.toFixed(3)} ms`;
  for (let round = 0; round < Number(args.rounds); round++) {
    const order = round % 2 === 0 ? (['new', 'old'] as const) : (['old', 'new'] as const);
    for (const which of order) results[which].push(run(trees[which]));
    console.log(`round ${round + 1}: new ${fmt(results.new[round])} | old ${fmt(results.old[round])}`);
  }
  const keys = ['c1', 'c1p50', 'c16', 'mix'] as const;
  const med = (which: 'new' | 'old', k: (typeof keys)[number]) => median(results[which].map((r) => r[k]));
  // Each round's own ratio too: the two runs of a round are seconds apart, so the machine's drift cancels better there.
  const paired = (k: (typeof keys)[number]) => median(results.new.map((r, i) => r[k] / results.old[i][k]));
  console.log(`\nCPU ms a read (${args.reader}), medians of ${args.rounds} rounds, new / old (ratio; median of the rounds' ratios):`);
  for (const k of keys) {
    const ratio = (med('new', k) / med('old', k)).toFixed(2);
    console.log(`  ${k.padEnd(6)} ${med('new', k).toFixed(3)} / ${med('old', k).toFixed(3)} (${ratio}×; ${paired(k).toFixed(2)}×)`);
  }
  const answers = results.new[0].answers;
  const differ = Object.keys(answers)
    .map((name) => [name, difference(answers[name], results.old[0].answers[name])])
    .filter(([, d]) => d !== undefined);
  console.log(
    differ.length === 0
      ? `answers: all ${Object.keys(answers).length} the same (numbers to 1e-6)`
      : `answers DIFFER on ${differ.length}:\n${differ.map(([n, d]) => `  ${n}${d}`).join('\n')}`,
  );
}
