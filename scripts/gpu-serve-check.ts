// On a GPU host: the service started the way the image starts it (`node dist/server/main.js`, NODE_ENV=production,
// EXECUTION_PROVIDER=auto, WORKERS=auto), then the same with EXECUTION_PROVIDER=cpu; for each, the provider
// /health/ready names and /predict timings on examples/digit.png: one request at a time (latency) and
// GPU_CHECK_CONCURRENCY at once (throughput). Fails when `auto` does not pick CUDA.
// With GPU_CHECK_IMAGE=<image> (and docker with the NVIDIA Container Toolkit), the image itself too:
// `docker run --gpus all` against `docker run` without a GPU.
// Run by scripts/gpu-check.sh after its checks; alone: node --import tsx scripts/gpu-serve-check.ts
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startService } from '../harness/service.js';

const SEQUENTIAL = Number(process.env.GPU_CHECK_SEQUENTIAL ?? 300);
const CONCURRENT = Number(process.env.GPU_CHECK_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.GPU_CHECK_CONCURRENCY ?? 32);
const IMAGE = process.env.GPU_CHECK_IMAGE;
/** What `auto` must pick: cuda, or cpu for a dry run on a host without a GPU (GPU_CHECK_PROVIDER=cpu). */
const expected = process.env.GPU_CHECK_PROVIDER ?? 'cuda';
const digit = readFileSync('examples/digit.png');

interface Timings {
  provider: string;
  p50: number;
  p99: number;
  perSecond: number;
}

async function predict(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(digit) });
  const body = (await res.json()) as { digit?: number };
  if (!res.ok || body.digit !== 7) throw new Error(`/predict of examples/digit.png: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return performance.now() - started;
}

async function measure(url: string): Promise<Timings> {
  const { executionProvider: provider } = (await (await fetch(`${url}/health/ready`)).json()) as { executionProvider: string };
  for (let i = 0; i < 20; i++) await predict(url); // warm-up: CUDA's first runs pick kernels
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) latencies.push(await predict(url));
  latencies.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CONCURRENT) await predict(url);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    provider,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    perSecond: CONCURRENT / seconds,
  };
}

const line = (what: string, t: Timings) =>
  `${what.padEnd(34)} provider ${t.provider.padEnd(5)} p50 ${t.p50.toFixed(2)} ms  p99 ${t.p99.toFixed(2)} ms  ` +
  `${t.perSecond.toFixed(0)} req/s (c${CONCURRENCY})`;
const ratio = (gpu: Timings, cpu: Timings) =>
  `cuda/cpu: p50 ×${(gpu.p50 / cpu.p50).toFixed(2)}, throughput ×${(gpu.perSecond / cpu.perSecond).toFixed(2)}`;

/** The service as the image runs it, on this host's node_modules and dist. */
async function asTheImageDoes(provider: 'auto' | 'cpu'): Promise<Timings> {
  const env = { NODE_ENV: 'production', EXECUTION_PROVIDER: provider, WORKERS: 'auto', LOG_LEVEL: 'warn' };
  const service = await startService(env, { args: ['dist/server/main.js'] });
  try {
    return await measure(service.url);
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
  }
}

function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`docker ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout.trim();
}

/** The image, started as README says: `docker run [--gpus all] -p …:3000 IMAGE`. */
async function theImage(image: string, gpus: boolean): Promise<Timings> {
  const port = await freePort();
  const id = docker(['run', '-d', '--rm', ...(gpus ? ['--gpus', 'all'] : []), '-p', `127.0.0.1:${port}:3000`, image]);
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      const how = gpus ? '--gpus all' : 'no GPU';
      if (i === 1200) throw new Error(`${image} (${how}) was not ready within 120 s: ${docker(['logs', '--tail', '5', id])}`);
      await sleep(100);
    }
    return await measure(url);
  } finally {
    spawnSync('docker', ['stop', id]);
  }
}

async function main(): Promise<void> {
  const auto = await asTheImageDoes('auto');
  const cpu = await asTheImageDoes('cpu');
  console.log(line('node dist/server/main.js, auto', auto));
  console.log(line('node dist/server/main.js, cpu', cpu));
  console.log(ratio(auto, cpu));
  if (auto.provider !== expected) {
    throw new Error(`EXECUTION_PROVIDER=auto served on ${auto.provider}, not ${expected}: see the service's warning on the CUDA provider`);
  }

  if (IMAGE) {
    const gpu = await theImage(IMAGE, true);
    const noGpu = await theImage(IMAGE, false);
    console.log(line(`docker run --gpus all ${IMAGE}`, gpu));
    console.log(line(`docker run ${IMAGE}`, noGpu));
    console.log(ratio(gpu, noGpu));
    if (gpu.provider !== expected) throw new Error(`docker run --gpus all ${IMAGE} served on ${gpu.provider}, not ${expected}`);
    if (noGpu.provider !== 'cpu') throw new Error(`docker run ${IMAGE} without a GPU says ${noGpu.provider}, not cpu`);
  } else {
    console.log('the image itself: not checked (set GPU_CHECK_IMAGE=lenet-service after docker build -t lenet-service .)');
  }
}

try {
  await main();
} catch (err) {
  console.error(`gpu-check FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
}
