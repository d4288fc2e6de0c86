// `npm run bench:serve`: the service on a real port, driven by wrk (or autocannon where wrk is missing) with what users
// send (scripts/bench/pictures.ts): a 28×28 MNIST PNG, a 280×280 drawing with adaptive row filters, a Chromium canvas
// upload and a 12 Mpx phone-photo JPEG. Every case runs with N server processes (BENCH_WORKERS, default "1,2") next to the
// Python stack with as many uvicorn workers, at each concurrency of BENCH_CONCURRENCY (default 64). A bare Fastify
// route answering a constant is measured in the same run as a ceiling.
// This VM's speed drifts from minute to minute, so ours and the Python stack run in alternating rounds (BENCH_ROUNDS,
// default 3, order flipped every round, BENCH_SECONDS each, default 5) and the printed ratio is the median of the
// per-round ratios; the req/s and latencies shown are those of each side's median round.
// Each server, once started, is loaded with the 280×280 drawing at the highest concurrency in 5 s windows until its CPU
// per request stops falling (harness/steady.ts; the climb is printed): ours gets ~1.5× cheaper over its first
// tens of seconds as V8 compiles its hot functions. Then before each case every server gets an unmeasured warm-up run
// (2 s) at the same concurrency with the same body: fresh connections on a cold code path inflate the first run's p99.
// BENCH_WARMUP=<seconds> replaces all of that with a fixed warm-up of that many seconds before each case.
// BENCH_SERVE_BASELINE=<another build's dist/server/main.js> (a worktree of an older commit, built) takes the Python
// stack's place as the alternating baseline, with as many workers: old against new for a change, ratios the same way.
// BENCH_SERVE_BUILD=<a build's dist/server/main.js> is measured as ours instead of this tree's (a change between two
// older commits).
import { spawnSync } from 'node:child_process';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { binaryInferBody, jsonInferBody } from '../harness/oip-requests.js';
import { freePort, startService, type Service } from '../harness/service.js';
import { drive as driveAt, hasWrk, type Result } from '../harness/drive.js';
import { Client, credentials, status as grpcStatus } from '@grpc/grpc-js';
import { driveGrpc, grpcLoadName } from '../harness/grpc-drive.js';
import { inferenceService } from '../src/server/grpc/proto.js';
import { benchPictures, describe, type Picture } from './bench/pictures.js';
import { alternate, median } from './bench/rounds.js';
import { describeClimb, STEADY_DEFAULTS, warmUntilSteady, warmUpSetting } from '../harness/steady.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const { steady: STEADY, seconds: WARMUP } = warmUpSetting();
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '64').split(',').map(Number);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
/** Only the pictures whose name contains this (e.g. BENCH_CASES=JPEG, no OIP rows then); BENCH_CASES=OIP runs the OIP
 * rows alone (REST and gRPC), BENCH_CASES=gRPC the gRPC rows alone. */
const CASES = process.env.BENCH_CASES ?? '';
const OIP_ROWS = CASES === '' || CASES === 'OIP';
const GRPC_ROWS = OIP_ROWS || CASES === 'gRPC';
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
const BASELINE_BUILD = process.env.BENCH_SERVE_BASELINE;
const OURS_BUILD = process.env.BENCH_SERVE_BUILD ?? 'dist/server/main.js';
const BASELINE_NAME = BASELINE_BUILD ? `the baseline build` : 'the Python stack';

/** Every server here (ours and the baselines) is ready once it answers a prediction. */
const start = (args: string[], command = process.execPath, workers = 1, env: Record<string, string> = {}) =>
  startService(
    { LOG_LEVEL, EXECUTION_PROVIDER: process.env.EXECUTION_PROVIDER ?? 'auto', WORKERS: String(workers), ...env },
    {
      command,
      args,
      ready: (url) =>
        fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(pictures[0].body) }).then(
          (r) => r.ok,
        ),
    },
  );

/** Where a body goes, with which headers. */
interface Target {
  path: string;
  headers: Record<string, string>;
}
const predictTarget = ({ type }: Picture): Target => ({ path: '/predict', headers: { 'content-type': type } });
const drive = (url: string, body: Buffer, connections: number, seconds: number, target: Target, cpuPid?: number) =>
  driveAt(`${url}${target.path}`, body, connections, seconds, target.headers, cpuPid);

const pictures = await benchPictures();
console.log(
  `bench:serve — ${hasWrk ? 'wrk -t1' : 'autocannon'}, ${SECONDS} s per run after ${STEADY ? `warming until steady, then ${WARMUP} s` : `${WARMUP} s`} of warm-up, LOG_LEVEL=${LOG_LEVEL}, ` +
    `${ROUNDS} round(s) per case; ratios to ${BASELINE_NAME}${BASELINE_BUILD ? ` (${BASELINE_BUILD})` : ''} are medians of per-round ratios\n${pictures.map((p) => `  ${describe(p)}`).join('\n')}\n`,
);
const baseline = await start(['--import', 'tsx', 'scripts/bench/constant-server.ts']);
// The Python stack people would otherwise pick, where Debian's python3-fastapi, -uvicorn, -torch and -pil are installed.
const hasPython = BASELINE_BUILD !== undefined || spawnSync('/usr/bin/python3', ['-c', 'import fastapi, uvicorn, torch, PIL']).status === 0;
if (!hasPython) console.log('(no Python baseline: apt-get install python3-fastapi python3-uvicorn python3-torch python3-pil)\n');
// uvicorn's own process manager for N workers; the shell hands it the port the helper picked.
const startPython = (workers: number) =>
  BASELINE_BUILD
    ? start([BASELINE_BUILD], process.execPath, workers)
    : start(
        [
          '-c',
          `exec /usr/bin/python3 -m uvicorn --app-dir scripts/bench python_server:app --host 127.0.0.1 --port "$PORT" --workers ${workers} --log-level warning --no-access-log`,
        ],
        '/bin/sh',
      );
const fmt = (name: string, c: number, r: Result) =>
  `${name.padEnd(44)} c${String(c).padEnd(3)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms` +
  (r.errors ? `  ERRORS ${r.errors}` : '');
const ratio = (value: number, name: string) => `  ${value.toFixed(2).padStart(5)}× ${name}`;
const medianRun = (runs: Result[]) => runs.find((r) => r.rps === median(runs.map((x) => x.rps)))!;

/** ROUNDS alternating runs of ours and the Python stack on the same body; ratios are taken within each round. */
async function rounds(ours: string, python: string | undefined, picture: Picture, c: number) {
  const run = (url: string, seconds = SECONDS) => drive(url, picture.body, c, seconds, predictTarget(picture));
  for (const url of [ours, python]) if (url && WARMUP > 0) await run(url, WARMUP);
  const runs = await alternate(ROUNDS, () => run(ours), python ? () => run(python) : undefined);
  return { ...runs, ratio: python ? median(runs.ours.map((r, i) => r.rps / runs.baseline[i].rps)) : undefined };
}

/** Each server loaded with the 280×280 drawing (the first PNG after the 28×28 one) until its CPU per request is steady. */
async function warmUp(servers: Array<[string, Service | undefined]>) {
  const drawing = pictures[1];
  const c = Math.max(...CONCURRENCY);
  for (const [name, server] of servers) {
    if (!server) continue;
    const climb = await warmUntilSteady((seconds) => drive(server.url, drawing.body, c, seconds, predictTarget(drawing), server.child.pid));
    console.log(
      `warm-up of ${name} on the ${drawing.name}, c${c}, ${STEADY_DEFAULTS.window} s windows, req/s/CPU ms a request: ${describeClimb(climb)}`,
    );
  }
}

/** The OIP concurrencies: at most 512 images in flight, so that the queue limit does not turn load into 503s. */
const oipConcurrency = (batch: number) => CONCURRENCY.map((c) => Math.min(c, Math.max(1, Math.floor(512 / batch))));
const imagesPerSecond = (r: Result, batch: number) =>
  `  ${Math.round(r.rps * batch)
    .toString()
    .padStart(7)} images/s`;

/** The first `batch` MNIST test images, the tensors every OIP row sends (the split read once, at the first call). */
let mnistTest: ReturnType<typeof loadMnist>['test'] | undefined;
const oipImages = (batch: number) => toFloat((mnistTest ??= loadMnist().test), 0, batch);

/** REST's /v2 infer with `batch` MNIST test images, as JSON and in the binary form both ways. */
function restBodies(batch: number) {
  const images = oipImages(batch);
  const binary = binaryInferBody(images, batch, { parameters: { binary_data_output: true } });
  return {
    JSON: { body: Buffer.from(jsonInferBody(images, batch)), headers: { 'content-type': 'application/json' } },
    binary: { body: binary.body, headers: { 'content-type': 'application/octet-stream', ...binary.headers } },
  };
}
const restInfer = (url: string, { body, headers }: { body: Buffer; headers: Record<string, string> }, c: number, seconds: number) =>
  drive(url, body, c, seconds, { path: '/v2/models/lenet/infer', headers });

/** Open Inference Protocol v2 infer over REST: tensors (no image decoding), one image or 64 per request. */
async function oipCases(url: string) {
  console.log('OIP v2 infer (tensors in, probabilities out; images/s = req/s × batch)');
  for (const batch of [1, 64]) {
    const bodies = restBodies(batch);
    for (const c of oipConcurrency(batch)) {
      for (const form of ['JSON', 'binary'] as const) {
        if (WARMUP > 0) await restInfer(url, bodies[form], c, WARMUP);
        const r = await restInfer(url, bodies[form], c, SECONDS);
        console.log(fmt(`OIP batch ${batch}, ${form}`, c, r) + imagesPerSecond(r, batch));
      }
    }
  }
}

/**
 * The same over gRPC: ModelInfer with one image or 64 per call, as typed contents.fp32_contents or as raw_input_contents
 * (raw outputs back), in ROUNDS rounds alternating with REST's binary form of the same batch (its comparison), the order
 * flipped every round; the ratio is the median of the per-round ratios.
 */
async function grpcCases(address: string, restUrl: string) {
  console.log(
    `OIP over gRPC, ModelInfer (${grpcLoadName}, one connection per 8 calls in flight, at least 2; images/s = calls/s × batch;` +
      ` alternating with REST binary, ${ROUNDS} round(s))`,
  );
  for (const batch of [1, 64]) {
    const images = oipImages(batch);
    const input = { name: 'image', datatype: 'FP32', shape: [batch, 1, 28, 28] };
    const forms = [
      ['typed', { model_name: 'lenet', inputs: [{ ...input, contents: { fp32_contents: Array.from(images) } }] }],
      [
        'raw',
        { model_name: 'lenet', inputs: [input], raw_input_contents: [Buffer.from(images.buffer, images.byteOffset, images.byteLength)] },
      ],
    ] as const;
    const { binary } = restBodies(batch);
    for (const c of oipConcurrency(batch)) {
      for (const [form, request] of forms) {
        const encoded = inferenceService.ModelInfer.requestSerialize(request);
        await checkCall(address, encoded);
        const grpc = (seconds: number) => driveGrpc(address, inferenceService.ModelInfer.path, encoded, c, seconds);
        if (WARMUP > 0) await Promise.all([grpc(WARMUP), restInfer(restUrl, binary, c, WARMUP)]);
        const runs = await alternate(
          ROUNDS,
          () => grpc(SECONDS),
          () => restInfer(restUrl, binary, c, SECONDS),
        );
        const vsRest = median(runs.ours.map((r, i) => r.rps / runs.baseline[i].rps));
        console.log(fmt(`gRPC ModelInfer batch ${batch}, ${form}`, c, medianRun(runs.ours)) + imagesPerSecond(medianRun(runs.ours), batch));
        console.log(fmt(`  REST binary, the same rounds`, c, medianRun(runs.baseline)) + imagesPerSecond(medianRun(runs.baseline), batch));
        console.log(`${''.padEnd(50)}${ratio(vsRest, 'REST binary (median of per-round ratios)')}`);
      }
    }
  }
}

/** One call answered OK, before the load: h2load counts HTTP statuses, and a gRPC error is an HTTP 200 with a status in
 * its trailers, so a request the service refuses would otherwise be timed as an answer. */
async function checkCall(address: string, request: Buffer) {
  const client = new Client(address, credentials.createInsecure());
  const bytes = (b: Buffer) => b;
  try {
    await new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(inferenceService.ModelInfer.path, bytes, bytes, request, (err) =>
        err ? reject(new Error(`ModelInfer answered ${grpcStatus[err.code ?? 0]}: ${err.details}`)) : resolve(),
      ),
    );
  } finally {
    client.close();
  }
}

try {
  for (const c of CONCURRENCY) {
    const constant = (seconds: number) => drive(baseline.url, pictures[0].body, c, seconds, predictTarget(pictures[0]));
    if (WARMUP > 0) await constant(WARMUP);
    console.log(fmt('constant route (ceiling)', c, await constant(SECONDS)));
  }
  for (const workers of WORKER_COUNTS) {
    const other = BASELINE_BUILD ? `the baseline build WORKERS=${workers}` : `Python uvicorn --workers ${workers}`;
    console.log(`\n— ${workers} process(es): ours WORKERS=${workers}, ${other}`);
    const grpcPort = await freePort();
    const service = await start([OURS_BUILD], process.execPath, workers, { GRPC_PORT: String(grpcPort) });
    const python = hasPython && pictures.some((p) => p.name.includes(CASES)) ? await startPython(workers) : undefined;
    try {
      if (STEADY)
        await warmUp([
          ['ours', service],
          [BASELINE_NAME, python],
        ]);
      for (const c of CONCURRENCY) {
        for (const picture of pictures.filter((p) => p.name.includes(CASES))) {
          // A 12 Mpx photo costs each side tens of ms: 64 of them in flight only measure the queue.
          const conc = picture.type === 'image/jpeg' ? Math.min(c, 8) : c;
          const result = await rounds(service.url, python?.url, picture, conc);
          const vsPython = result.ratio === undefined ? '' : ratio(result.ratio, BASELINE_NAME);
          console.log(fmt(picture.name, conc, medianRun(result.ours)) + vsPython);
          // One 5 s run's p99 swings by 2× on this VM: show every round's, not only the median round's.
          if (ROUNDS > 1) console.log(`${''.padEnd(50)}p99 by round: ${result.ours.map((r) => r.p99.toFixed(1)).join(' / ')} ms`);
          if (python) console.log(fmt(`  ${BASELINE_NAME}`, conc, medianRun(result.baseline)));
        }
      }
      if (OIP_ROWS) await oipCases(service.url);
      if (GRPC_ROWS) await grpcCases(`127.0.0.1:${grpcPort}`, service.url);
    } finally {
      for (const server of [service, python]) server?.child.kill();
      await Promise.all([service.exited, python?.exited]);
    }
  }
} finally {
  baseline.child.kill();
}
