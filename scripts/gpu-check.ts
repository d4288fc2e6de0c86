// On a host with an NVIDIA GPU and onnxruntime-node's CUDA provider: starts the service twice (CUDA and CPU), checks
// that the CUDA one really reports cuda, sends the 10k MNIST test images as PNGs through both, and prints argmax
// agreement (must be 100 %), the largest probability difference, and the throughput of each.
// Run from the project root after `npm ci`: scripts/gpu-check.sh  (GPU_CHECK_PROVIDER=cpu to dry-run)
import sharp from 'sharp';
import { argmax } from '../src/model/lenet.js';
import { loadMnist } from '../src/train/mnist.js';
import { startService, type Service } from '../harness/service.js';

const N = Number(process.env.GPU_CHECK_IMAGES ?? 10000);
const CONCURRENCY = Number(process.env.GPU_CHECK_CONCURRENCY ?? 32);
const gpuProvider = process.env.GPU_CHECK_PROVIDER ?? 'cuda';

/** The built service on `provider`, and the execution provider it reports once ready. */
async function start(provider: string): Promise<{ service: Service; executionProvider: string }> {
  const service = await startService({ EXECUTION_PROVIDER: provider, LOG_LEVEL: 'warn' }, { args: ['dist/server/main.js'] });
  const { executionProvider } = (await (await fetch(`${service.url}/health/ready`)).json()) as { executionProvider: string };
  return { service, executionProvider };
}

async function sendAll(url: string, pngs: Buffer[]): Promise<{ probs: number[][]; seconds: number }> {
  const probs: number[][] = new Array(pngs.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < pngs.length) {
        const i = next++;
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: new Uint8Array(pngs[i]),
        });
        if (!res.ok) throw new Error(`image ${i}: HTTP ${res.status} ${await res.text()}`);
        probs[i] = ((await res.json()) as { probabilities: number[] }).probabilities;
      }
    }),
  );
  return { probs, seconds: (performance.now() - started) / 1000 };
}

const { test } = loadMnist();
const pngs = await Promise.all(
  Array.from({ length: N }, (_, i) =>
    sharp(Buffer.from(test.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toBuffer(),
  ),
);
const [g, c] = await Promise.all([start(gpuProvider), start('cpu')]);
try {
  console.log(`instances ready: ${g.executionProvider} and ${c.executionProvider}`);
  if (g.executionProvider !== gpuProvider) throw new Error(`expected ${gpuProvider}, /health/ready says ${g.executionProvider}`);
  const a = await sendAll(g.service.url, pngs);
  const b = await sendAll(c.service.url, pngs);
  let agree = 0;
  let correct = 0;
  let maxDiff = 0;
  for (let i = 0; i < N; i++) {
    if (argmax(a.probs[i]) === argmax(b.probs[i])) agree++;
    if (argmax(a.probs[i]) === test.labels[i]) correct++;
    for (let d = 0; d < 10; d++) maxDiff = Math.max(maxDiff, Math.abs(a.probs[i][d] - b.probs[i][d]));
  }
  console.log(`images: ${N} over HTTP, concurrency ${CONCURRENCY}`);
  console.log(`argmax agreement ${gpuProvider} vs cpu: ${((100 * agree) / N).toFixed(2)}% (${N - agree} differ)`);
  console.log(`max |probability difference|: ${maxDiff.toExponential(2)}`);
  console.log(`accuracy (${gpuProvider}): ${((100 * correct) / N).toFixed(2)}%`);
  console.log(`throughput: ${gpuProvider} ${(N / a.seconds).toFixed(0)} req/s, cpu ${(N / b.seconds).toFixed(0)} req/s`);
  process.exitCode = agree === N ? 0 : 1;
} finally {
  g.service.child.kill('SIGTERM');
  c.service.child.kill('SIGTERM');
}
