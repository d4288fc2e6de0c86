// `npm run bench:read`: how well and how fast POST /read reads whole numbers.
// Accuracy: the seeded sets of src/synth/numbers.ts (MNIST test digits with wide gaps, touching, as JPEG photos, as
// canvas strokes; handwriting fonts), read by the service over HTTP and, on the same pictures in the same run, by
// Tesseract 5 (`tesseract --psm 7`, digits only) where it is installed (apt-get install tesseract-ocr). Strings and
// characters right, and the string accuracy left after rejecting the least confident 1 % and 5 % of pictures (the way
// LeCun et al. 1989 reported zip codes).
// Speed: a 5-digit 400×120 PNG at c1, c16 and c64 (wrk or autocannon, as bench:serve), req/s, p50 and p99. Goals: ≥ 1,500
// req/s at c64 with WORKERS=2 on the 2-core machine, ≤ 2 ms p50 at c1. The environment reaches the service (WORKERS…).
// Each run also prints the server's CPU per read (all its processes, from /proc): steadier than req/s on a shared VM,
// and what the c64 goal comes down to (2 cores at ~95 % for 1,500 reads a second leave ~1.27 ms a read).
// Both readers (#36): a service per reader in BENCH_READ_READERS (default line,segmentation; READER= for each), each
// read on the same pictures, with the read rate at ≤ 1 % error (the most confident accepted first, ties together) beside
// the strings, and each run at every concurrency; the baseline (below) is compared with the first reader's service.
// BENCH_READ_SETS=none skips the accuracy sets. BENCH_READ_BASELINE=<another build's dist/server/main.js> runs the speed
// part against that build too, in alternating rounds (BENCH_ROUNDS, order flipped every round), and prints the medians
// and ours ÷ baseline: this VM's speed drifts, so only ratios from one run compare. BENCH_READ_BASELINE_NODE runs that
// build on another Node binary (e.g. the system's, to measure a Node upgrade).
// Warm-up: first each service is loaded at the highest concurrency in 5 s windows until its CPU per read stops falling
// (harness/steady.ts; the climb is printed: it is what a cold start costs), then 2 s before each concurrency.
// BENCH_WARMUP=<seconds> replaces all of that with a fixed warm-up of that many seconds before each concurrency.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMnist } from '../src/train/mnist.js';
import { fontGlyphs, HANDWRITING_FONTS, makeSet, score, type SetName } from '../src/synth/numbers.js';
import { readZip } from './bench/read-zip.js';
import { startService, type Service } from '../harness/service.js';
import { drive, hasWrk, type Result } from '../harness/drive.js';
import { readRate } from '../src/reader/read-rate.js';
import { median } from './bench/rounds.js';
import { describeClimb, STEADY_DEFAULTS, warmUntilSteady, warmUpSetting } from '../harness/steady.js';

const SAMPLES = Number(process.env.BENCH_READ_SAMPLES ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const { steady: STEADY, seconds: WARMUP } = warmUpSetting();
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const SETS = (process.env.BENCH_READ_SETS ?? 'wide,touching,photos,canvas,fonts').split(',').filter((s) => s && s !== 'none') as SetName[];
const BASELINE = process.env.BENCH_READ_BASELINE;
const BASELINE_NODE = process.env.BENCH_READ_BASELINE_NODE ?? process.execPath;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const READERS = (process.env.BENCH_READ_READERS ?? 'line,segmentation').split(',').filter(Boolean);
const hasTesseract = spawnSync('tesseract', ['--version']).error === undefined;

const { test: mnist } = loadMnist();
const zip = await readZip(mnist);

const start = (main: string, command = process.execPath, reader = READERS[0]) =>
  startService(
    { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', EXECUTION_PROVIDER: process.env.EXECUTION_PROVIDER ?? 'auto', READER: reader },
    {
      command,
      args: [main],
      ready: (url) =>
        fetch(`${url}/read`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(zip) }).then((r) => r.ok),
    },
  );
const services = new Map<string, Service>();
for (const reader of READERS) services.set(reader, await start('dist/server/main.js', process.execPath, reader));
const service = services.get(READERS[0])!;
const baseline = BASELINE ? await start(BASELINE, BASELINE_NODE) : undefined;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`.padStart(7);

async function ours(picture: Buffer, type: string, at = service): Promise<{ text: string; confidence: number }> {
  const res = await fetch(`${at.url}/read`, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(picture) });
  const body = (await res.json()) as { text?: string; confidence?: number };
  return { text: body.text ?? '', confidence: body.confidence ?? 0 };
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-read-'));
function tesseract(picture: Buffer, type: string): string {
  const file = path.join(dir, type === 'image/jpeg' ? 'n.jpg' : 'n.png');
  writeFileSync(file, picture);
  const run = spawnSync('tesseract', [file, 'stdout', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789'], { encoding: 'utf8' });
  return (run.stdout ?? '').replace(/\D/g, '');
}

/** String accuracy over the pictures left once the least confident `share` of them are sent to a person. */
function afterRejecting(results: Array<{ right: boolean; confidence: number }>, share: number): number {
  const kept = [...results].sort((a, b) => b.confidence - a.confidence).slice(0, Math.ceil(results.length * (1 - share)));
  return kept.filter((r) => r.right).length / kept.length;
}

try {
  console.log(
    `bench:read — ${SAMPLES} pictures per set (seed 2026), WORKERS=${process.env.WORKERS ?? 1}${hasTesseract ? '' : ' (no tesseract: apt-get install tesseract-ocr)'}\n`,
  );
  if (SETS.length > 0) {
    const head = `${'strings'.padStart(7)} ${'chars'.padStart(7)} ${'−1 %'.padStart(7)} ${'−5 %'.padStart(7)} ${'RR≤1%'.padStart(7)}`;
    console.log(`${'set'.padEnd(9)} ${'reader'.padEnd(12)} ${head}   ${hasTesseract ? 'tesseract strings  chars' : ''}`);
  }
  const fonts = (await Promise.all(HANDWRITING_FONTS.map(fontGlyphs))).filter((g) => g !== undefined);
  for (const name of SETS) {
    if (name === 'fonts' && fonts.length === 0) {
      console.log('fonts     (no handwriting fonts installed)');
      continue;
    }
    const samples = await makeSet(name, SAMPLES, 2026, mnist, fonts);
    const peer = hasTesseract ? samples.map((s) => ({ truth: s.number.text, read: tesseract(s.picture, s.type) })) : [];
    const theirs = hasTesseract ? score(peer) : undefined;
    for (const [i, [reader, at]] of [...services].entries()) {
      const read = [];
      for (const s of samples) read.push({ truth: s.number.text, ...(await ours(s.picture, s.type, at)) });
      const mine = score(read.map((r) => ({ truth: r.truth, read: r.text })));
      const ranked = read.map((r) => ({ right: r.text === r.truth, confidence: r.confidence }));
      console.log(
        `${name.padEnd(9)} ${reader.padEnd(12)} ${pct(mine.strings)} ${pct(mine.characters)} ${pct(afterRejecting(ranked, 0.01))} ` +
          `${pct(afterRejecting(ranked, 0.05))} ${pct(readRate(ranked, 0.01).rate)}` +
          (theirs && i === 0 ? `   ${pct(theirs.strings)}        ${pct(theirs.characters)}` : ''),
      );
    }
  }

  const checks = await Promise.all([...services].map(async ([reader, at]) => `${(await ours(zip, 'image/png', at)).text} by ${reader}`));
  const warmUp = STEADY ? `warmed until steady, then ${WARMUP} s` : `${WARMUP} s`;
  console.log(
    `\nthroughput: a 5-digit 400×120 PNG (${zip.length} B, read as ${checks.join(', ')}), ${hasWrk ? 'wrk -t1' : 'autocannon'}, ${SECONDS} s per run after ${warmUp} of warm-up`,
  );
  const nodeOf = (command: string) => spawnSync(command, ['-v'], { encoding: 'utf8' }).stdout.trim();
  console.log(`ours on Node ${process.version}${baseline ? `, baseline ${BASELINE} on Node ${nodeOf(BASELINE_NODE)}` : ''}`);
  const fmt = (r: Result) =>
    `${Math.round(r.rps).toString().padStart(6)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms${r.cpuMs === undefined ? '' : `  CPU ${r.cpuMs.toFixed(2)} ms/read`}${r.errors ? `  ERRORS ${r.errors}` : ''}`;
  const load = (s: Service, c: number, seconds: number) => drive(`${s.url}/read`, zip, c, seconds, undefined, s.child.pid);
  if (STEADY) {
    const c = Math.max(...CONCURRENCY);
    for (const [name, s] of [...[...services].map(([reader, at]) => [`ours (${reader})`, at] as const), ['baseline', baseline] as const]) {
      if (!s) continue;
      const climb = await warmUntilSteady((seconds) => load(s, c, seconds));
      console.log(`warm-up of ${name} at c${c}, ${STEADY_DEFAULTS.window} s windows, req/s/CPU ms a read: ${describeClimb(climb)}`);
    }
  }
  for (const c of CONCURRENCY) {
    const goal = c === 1 ? `  (goal p50 ≤ 2 ms)` : c === 64 ? '  (goal ≥ 1,500 req/s with WORKERS=2 on 2 cores)' : '';
    // Readers other than the first: one run each (the baseline is compared with the first only).
    for (const [reader, at] of [...services].slice(baseline ? 1 : 0)) {
      if (WARMUP > 0) await load(at, c, WARMUP);
      console.log(`c${String(c).padEnd(3)} ${reader.padEnd(12)} ${fmt(await load(at, c, SECONDS))}${goal}`);
    }
    if (!baseline) continue;
    const runs = { ours: [] as Result[], baseline: [] as Result[] };
    for (const s of [service, baseline]) if (WARMUP > 0) await load(s, c, WARMUP);
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of round % 2 ? (['baseline', 'ours'] as const) : (['ours', 'baseline'] as const)) {
        runs[which].push(await load(which === 'ours' ? service : baseline, c, SECONDS));
      }
    }
    const of = (rs: Result[], k: keyof Result) => median(rs.map((r) => r[k] ?? Number.NaN));
    const summary = (rs: Result[]): Result => ({
      rps: of(rs, 'rps'),
      p50: of(rs, 'p50'),
      p99: of(rs, 'p99'),
      errors: rs.reduce((n, r) => n + r.errors, 0),
      cpuMs: rs.every((r) => r.cpuMs !== undefined) ? of(rs, 'cpuMs') : undefined,
    });
    const [a, b] = [summary(runs.ours), summary(runs.baseline)];
    console.log(`c${String(c).padEnd(3)} ours (${READERS[0]}) ${fmt(a)}${goal}`);
    console.log(`     baseline ${fmt(b)}`);
    const cpu = a.cpuMs !== undefined && b.cpuMs !== undefined ? `, CPU a read ${(a.cpuMs / b.cpuMs).toFixed(2)}×` : '';
    console.log(
      `     ours ÷ baseline: req/s ${(a.rps / b.rps).toFixed(2)}×, p50 ${(a.p50 / b.p50).toFixed(2)}×, p99 ${(a.p99 / b.p99).toFixed(2)}×${cpu} (medians of ${ROUNDS} alternating rounds)`,
    );
  }
} finally {
  for (const s of services.values()) s.child.kill();
  baseline?.child.kill();
}
