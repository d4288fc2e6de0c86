// `npm run bench:serve`: the service on a real port, driven by wrk (or autocannon where wrk is missing) at concurrency
// 1, 16 and 64 with a 28×28 MNIST PNG and a 280×280 RGB drawing. A bare Fastify route answering a constant is measured
// in the same run, and every result is printed as a ratio of it and of the Python stack.
// This VM's speed drifts from minute to minute, so ours and the Python stack run in alternating rounds (BENCH_ROUNDS,
// default 3, order flipped every round, BENCH_SECONDS each, default 5) and the printed ratio is the median of the
// per-round ratios; the req/s and latencies shown are those of each side's median round.
// Before each case every server gets an unmeasured warm-up run (BENCH_WARMUP seconds, default 2) at the same
// concurrency with the same body: a fresh set of connections on a cold code path put a p99 of 80–120 ms into the first
// 5 s run even for the constant route, against 4–6 ms once warm (measured).
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { loadMnist } from '../src/train/mnist.js';
import { startService } from '../test/helpers/service.js';
import { drive as driveAt, hasWrk, type Result } from './bench/drive.js';
import { alternate, median } from './bench/rounds.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

/** Every server here (ours and the baselines) is ready once it answers a prediction. */
const drive = (url: string, body: Buffer, connections: number, seconds = SECONDS) => driveAt(`${url}/predict`, body, connections, seconds);

const start = (args: string[], command = process.execPath) =>
  startService(
    { LOG_LEVEL, EXECUTION_PROVIDER: process.env.EXECUTION_PROVIDER ?? 'auto' },
    {
      command,
      args,
      ready: (url) => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(pngs.mnist28) }).then((r) => r.ok),
    },
  );

const { test } = loadMnist();
const digit = Buffer.from(test.images.subarray(0, 784));
const raw = () => sharp(digit, { raw: { width: 28, height: 28, channels: 1 } });
const pngs = {
  mnist28: await raw().png().toBuffer(),
  // What the page's canvas sends: a digit drawn large, as an RGB picture.
  drawing280: await raw().resize(280, 280).toColourspace('srgb').png().toBuffer(),
};

console.log(
  `bench:serve — ${hasWrk ? 'wrk -t1' : 'autocannon'}, ${SECONDS} s per run after ${WARMUP} s of warm-up, LOG_LEVEL=${LOG_LEVEL}, WORKERS=${process.env.WORKERS ?? 1}, ` +
    `${pngs.mnist28.length} B and ${pngs.drawing280.length} B PNGs\n`,
);
const baseline = await start(['--import', 'tsx', 'scripts/bench/constant-server.ts']);
const service = await start(['dist/server/main.js']);
// The Python stack people would otherwise pick, where Debian's python3-fastapi, -uvicorn, -torch and -pil are installed.
const hasPython = spawnSync('/usr/bin/python3', ['-c', 'import fastapi, uvicorn, torch, PIL']).status === 0;
const python = hasPython ? await start(['scripts/bench/python-server.py'], '/usr/bin/python3') : undefined;
if (!python) console.log('(no Python baseline: apt-get install python3-fastapi python3-uvicorn python3-torch python3-pil)\n');
const fmt = (name: string, c: number, r: Result) =>
  `${name.padEnd(34)} c${String(c).padEnd(3)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms` +
  (r.errors ? `  ERRORS ${r.errors}` : '');
const ratio = (value: number, name: string) => `  ${value.toFixed(2).padStart(5)}× ${name}`;
const medianRun = (runs: Result[]) => runs.find((r) => r.rps === median(runs.map((x) => x.rps)))!;

/** ROUNDS alternating runs of ours and the Python stack on the same body; ratios are taken within each round. */
async function rounds(body: Buffer, c: number) {
  for (const server of [service, python]) if (server && WARMUP > 0) await drive(server.url, body, c, WARMUP);
  const runs = await alternate(ROUNDS, () => drive(service.url, body, c), python && (() => drive(python.url, body, c)));
  return { ...runs, ratio: python ? median(runs.ours.map((r, i) => r.rps / runs.baseline[i].rps)) : undefined };
}

console.log(`${ROUNDS} round(s) per case; ratios to the Python stack are medians of per-round ratios\n`);
try {
  for (const c of CONCURRENCY) {
    if (WARMUP > 0) await drive(baseline.url, pngs.mnist28, c, WARMUP);
    const ceiling = await drive(baseline.url, pngs.mnist28, c);
    console.log(fmt('constant route (ceiling)', c, ceiling));
    for (const [name, body] of [['28×28 MNIST PNG', pngs.mnist28], ['280×280 RGB drawing', pngs.drawing280]] as const) {
      const result = await rounds(body, c);
      const ours = medianRun(result.ours);
      const vsPython = result.ratio === undefined ? '' : ratio(result.ratio, 'the Python stack');
      console.log(fmt(name, c, ours) + ratio(ours.rps / ceiling.rps, 'of the constant route') + vsPython);
      // One 5 s run's p99 swings by 2× on this VM: show every round's, not only the median round's.
      if (ROUNDS > 1) console.log(`${''.padEnd(40)}p99 by round: ${result.ours.map((r) => r.p99.toFixed(1)).join(' / ')} ms`);
      if (python) console.log(fmt(`  Python stack, ${name}`, c, medianRun(result.baseline)));
    }
  }
} finally {
  for (const server of [baseline, service, python]) server?.child.kill();
}
