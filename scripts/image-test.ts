// `npm run image:test`: builds the CPU flavour of the real Dockerfile (buildah, chroot isolation), runs the image (podman
// with runc) and checks it as a user would: a non-root process, the HEALTHCHECK passing, /predict, /read and OIP infer
// answering right, /health/ready naming the provider, a read-only root with a /tmp tmpfs (as the Kubernetes base runs
// it), SIGTERM draining an in-flight request and exiting 0 within `docker stop`'s grace, nothing but the runtime in
// /app, and the image's size within a bound. Base images come from scripts/image/bases.ts (stand-ins made here when
// Docker Hub is out of reach). Removes the containers and the image it made; keeps the bases. Needs root, buildah,
// podman, runc and debootstrap (.ci/run installs them). Exit 1 with one line naming the check that failed.
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../harness/service.js';
import { ensureBases } from './image/bases.js';
import { contentProblems, largest, LIST_APP, type Listing } from '../harness/image-contents.js';
import { exec, ImageTestError, lastLine, log, mustPodman, podman, RUN_LIMITS } from './image/exec.js';

/** Measured 2026-12-06: see README "Docker and GPUs"; the bound leaves room for dependency updates, not for a new
 * toolchain or a second platform's binaries. */
const MAX_IMAGE_MB = 400;
/** `docker stop`'s default: SIGTERM, then SIGKILL after 10 s. */
const GRACE_S = 10;
const READY_TIMEOUT_S = 90;

const tag = `localhost/lenet-service:image-test-${process.pid}`;
const containers: string[] = [];
/** buildah's working containers from before the build: those it leaves behind (an unused stage's) are removed after. */
let buildahBefore: Set<string> | undefined;
/** IMAGE_TEST_KEEP=1 leaves the image in the store, to look into: `podman run --rm -it <tag> bash`. */
const keep = process.env.IMAGE_TEST_KEEP === '1';

function fail(message: string): never {
  throw new ImageTestError(message);
}

function baseImages(dockerfile: string): { nodeImage: string; cpuImage: string } {
  const nodeImage = dockerfile.match(/^FROM\s+(node:\S+)\s+AS\s+build\s*$/im)?.[1];
  const cpuImage = dockerfile.match(/^ARG\s+CPU_IMAGE=(\S+)\s*$/m)?.[1];
  if (!nodeImage || !cpuImage) fail('the Dockerfile has no `FROM node:… AS build` or `ARG CPU_IMAGE=…`: update scripts/image-test.ts');
  return { nodeImage, cpuImage };
}

async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) fail('image-test needs root (buildah and podman with their system store)');
  for (const tool of ['buildah', 'podman', 'runc', 'debootstrap']) {
    const r = await exec('sh', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) fail(`${tool} is missing: apt-get install -y buildah podman runc debootstrap`);
  }
  for (const example of ['examples/digit.png', 'examples/number.jpg', 'examples/infer.json']) {
    if (!existsSync(example)) fail(`${example} is missing`);
  }
}

const buildahContainers = async () =>
  new Set((await exec('buildah', ['containers', '-q', '--notruncate'])).stdout.split('\n').filter(Boolean));

async function build(): Promise<number> {
  buildahBefore = await buildahContainers();
  const started = performance.now();
  // The host's npm cache (filled by the npm ci before this) as a copy-on-write overlay on the build's: the packages
  // come from disk instead of the registry, as a BuildKit cache mount would give them; the image is the same.
  const npmCache = path.join(os.homedir(), '.npm');
  const cache = existsSync(path.join(npmCache, '_cacache')) ? ['--volume', `${npmCache}:/root/.npm:O`] : [];
  const args = ['bud', '--isolation', 'chroot', '--pull=never', '--format', 'docker', ...cache];
  args.push('--build-arg', 'VARIANT=cpu', '-t', tag, '.');
  const r = await exec('buildah', args, { nice: true });
  if (r.code !== 0) {
    process.stderr.write(r.stdout.split('\n').slice(-30).join('\n') + r.stderr);
    // buildah's own last lines repeat the whole RUN step: the step's last words say what went wrong.
    const words = (r.stderr + r.stdout)
      .split('\n')
      .filter((l) => !/^(Error: building at STEP|subprocess exited)/.test(l))
      .join('\n');
    fail(`buildah bud --build-arg VARIANT=cpu failed: ${lastLine(words)}`);
  }
  return (performance.now() - started) / 1000;
}

async function imageBytes(image: string): Promise<number> {
  return Number(await mustPodman(`inspecting ${image}`, ['image', 'inspect', '--format', '{{.Size}}', image]));
}

interface Running {
  name: string;
  url: string;
  port: number;
  readyAfter: number;
}

/** Starts the image as `docker run -d` would, on free ports, and waits for /health/ready. */
async function start(label: string, extra: string[] = []): Promise<Running> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const name = `lenet-image-test-${process.pid}-${label}`;
  const started = performance.now();
  const env = ['-e', `PORT=${port}`, '-e', `GRPC_PORT=${grpcPort}`];
  const args = ['run', '-d', '--name', name, '--network=host', ...RUN_LIMITS, ...env, ...extra, tag];
  await mustPodman(`podman run (${label})`, args, { nice: true });
  containers.push(name);
  const url = `http://127.0.0.1:${port}`;
  while ((performance.now() - started) / 1000 < READY_TIMEOUT_S) {
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { name, url, port, readyAfter: (performance.now() - started) / 1000 };
    if ((await podman(['inspect', '--format', '{{.State.Running}}', name])).stdout.trim() !== 'true') {
      await showLogs(name);
      fail(`the ${label} container exited before it was ready`);
    }
    await sleep(100);
  }
  await showLogs(name);
  fail(`the ${label} container was not ready within ${READY_TIMEOUT_S} s`);
}

async function showLogs(name: string): Promise<void> {
  const r = await podman(['logs', '--tail', '20', name]);
  process.stderr.write(`--- last lines of ${name}'s log ---\n${r.stdout}${r.stderr}---\n`);
}

async function postFile(url: string, file: string, type: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body: readFileSync(file) });
  const text = await res.text();
  if (!res.ok) fail(`POST ${new URL(url).pathname} with ${file}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));

/** /predict, /read, OIP infer and /health/ready, answered right. */
async function checkAnswers({ url }: Running, label: string): Promise<string> {
  const predict = await postFile(`${url}/predict`, 'examples/digit.png', 'image/png');
  if (predict.digit !== 7) fail(`${label}: /predict read examples/digit.png as ${predict.digit}, not 7`);
  const read = await postFile(`${url}/read`, 'examples/number.jpg', 'image/jpeg');
  if (read.text !== '90210') fail(`${label}: /read read examples/number.jpg as ${JSON.stringify(read.text)}, not "90210"`);
  type InferResponse = { outputs?: { name: string; data: number[] }[] };
  const infer = (await postFile(`${url}/v2/models/lenet/infer`, 'examples/infer.json', 'application/json')) as InferResponse;
  const probabilities = infer.outputs?.find((o) => o.name === 'probabilities')?.data;
  if (!probabilities || argmax(probabilities) !== 7) fail(`${label}: /v2/models/lenet/infer with examples/infer.json did not answer 7`);
  const ready = (await (await fetch(`${url}/health/ready`)).json()) as { executionProvider?: string };
  if (ready.executionProvider !== 'cpu') fail(`${label}: /health/ready names ${JSON.stringify(ready.executionProvider)}, not "cpu"`);
  return ready.executionProvider;
}

/** The uid of the container's first process, as the kernel sees it. */
async function uidOf(name: string): Promise<number> {
  const status = await mustPodman('reading /proc/1/status', ['exec', name, 'cat', '/proc/1/status']);
  return Number(status.match(/^Uid:\s+(\d+)/m)?.[1]);
}

/** Runs the image's own HEALTHCHECK command in the container, as Docker would. */
async function checkHealthcheck(name: string): Promise<void> {
  const json = await mustPodman('reading the HEALTHCHECK', ['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', tag]);
  const test = (JSON.parse(json) as { Test?: string[] } | null)?.Test;
  if (!test || test[0] !== 'CMD') fail(`the image has no exec-form HEALTHCHECK (got ${json})`);
  const r = await podman(['exec', name, ...test.slice(1)]);
  if (r.code !== 0) fail(`the HEALTHCHECK command exited ${r.code} on a ready container: ${lastLine(r.stderr || r.stdout)}`);
}

/** A request whose body is half sent when SIGTERM arrives must still be answered, and the process exit 0 in time. */
async function checkDrain({ name, port }: Running): Promise<number> {
  const body = readFileSync('examples/digit.png');
  const socket = net.connect(port, '127.0.0.1');
  let response = '';
  socket.on('data', (d) => (response += d));
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const head = ['POST /predict HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: image/png', `Content-Length: ${body.length}`];
  head.push('Connection: close');
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  socket.write(body.subarray(0, body.length >> 1));
  await sleep(300);
  const signalled = performance.now();
  await mustPodman('podman kill --signal TERM', ['kill', '--signal', 'TERM', name]);
  await sleep(500);
  if ((await podman(['inspect', '--format', '{{.State.Running}}', name])).stdout.trim() !== 'true') {
    await showLogs(name);
    fail('SIGTERM: the service exited with a request in flight instead of draining it');
  }
  socket.end(body.subarray(body.length >> 1));
  await ended;
  const status = response.match(/^HTTP\/1\.1 (\d+)/)?.[1];
  const digit = /"digit":(\d)/.exec(response)?.[1];
  if (status !== '200' || digit !== '7') fail(`SIGTERM: the in-flight /predict got ${status ?? 'no answer'} (digit ${digit}), not 200, 7`);
  const code = await waitExit(name, GRACE_S);
  const seconds = (performance.now() - signalled) / 1000;
  if (code !== 0) {
    await showLogs(name);
    fail(`SIGTERM: the service exited ${code}, not 0`);
  }
  return seconds;
}

/** The container's exit code, or a failure when it still runs after `seconds`. */
async function waitExit(name: string, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const state = await mustPodman('podman inspect', ['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name]);
    const [running, code] = state.split(' ');
    if (running === 'false') return Number(code);
    await sleep(100);
  }
  await showLogs(name);
  fail(`SIGTERM: the service still ran ${seconds} s later (docker stop would SIGKILL it)`);
}

async function listApp(): Promise<Listing> {
  const out = await mustPodman('listing /app', ['run', '--rm', '--network=none', ...RUN_LIMITS, tag, 'node', '-e', LIST_APP]);
  return JSON.parse(out) as Listing;
}

/** README's train-in-container command, shortened: a host directory owned by a user who is not the image's, mounted on
 * /app/models, and `--user` that uid: the trained model and its card land there, owned by that user. */
async function checkTrainInContainer(): Promise<number> {
  const hostUid = 12345;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lenet-models-'));
  try {
    chownSync(dir, hostUid, hostUid);
    const started = performance.now();
    const r = await podman(
      [
        'run',
        '--rm',
        '--network=none',
        ...RUN_LIMITS,
        '--user',
        `${hostUid}:${hostUid}`,
        '-v',
        `${dir}:/app/models`,
        tag,
        'node',
        'dist/train/cli.js',
        '--epochs',
        '1',
        '--train-limit',
        '512',
      ],
      { nice: true },
    );
    if (r.code !== 0) fail(`training in the container into a mounted models/ failed (exit ${r.code}): ${lastLine(r.stderr || r.stdout)}`);
    for (const file of ['lenet.onnx', 'lenet.json']) {
      const written = path.join(dir, file);
      if (!existsSync(written)) fail(`training in the container wrote no models/${file} into the mounted directory`);
      const { uid } = statSync(written);
      if (uid !== hostUid) fail(`models/${file} written by the container is owned by uid ${uid}, not ${hostUid}`);
    }
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cleanUp(): Promise<void> {
  for (const name of containers) await podman(['rm', '-f', '-t', '0', name]);
  if (buildahBefore) for (const id of await buildahContainers()) if (!buildahBefore.has(id)) await exec('buildah', ['rm', id]);
  if (keep) log(`kept ${tag}`);
  else await podman(['rmi', '-f', tag]);
}

async function main(): Promise<void> {
  await preflight();
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const bases = baseImages(dockerfile);
  await ensureBases(bases);
  log(`building the CPU flavour (buildah bud --build-arg VARIANT=cpu) as ${tag}`);
  const buildSeconds = await build();
  const [bytes, baseBytes] = [await imageBytes(tag), await imageBytes(bases.cpuImage)];
  const mb = (n: number) => (n / 1e6).toFixed(0);
  const size = `${mb(bytes)} MB (base ${bases.cpuImage} ${mb(baseBytes)} MB + ${mb(bytes - baseBytes)} MB)`;
  log(`built in ${buildSeconds.toFixed(0)} s; ${size}`);

  const listing = await listApp();
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  const problems = contentProblems(listing, pkg, lock);
  const modules = Object.values(listing.packages).reduce((a, b) => a + b, 0);
  const count = Object.keys(listing.packages).length;
  log(`/app holds ${listing.top.join(', ')}; node_modules ${count} packages, ${mb(modules)} MB`);
  log(`largest packages (MB): ${largest(listing, 8)}`);
  if (problems.length) fail(problems.join('; '));
  if (bytes > MAX_IMAGE_MB * 1e6) fail(`the image is ${mb(bytes)} MB, over the ${MAX_IMAGE_MB} MB bound (see the largest packages above)`);

  const trained = await checkTrainInContainer();
  log(`the trainer in the container (--user, models/ mounted) wrote the model and its card in ${trained.toFixed(0)} s`);

  const plain = await start('plain');
  log(`ready ${plain.readyAfter.toFixed(1)} s after podman run`);
  const uid = await uidOf(plain.name);
  if (!(uid > 0)) fail(`the service runs as uid ${uid}: the image must not run as root`);
  await checkHealthcheck(plain.name);
  const provider = await checkAnswers(plain, 'plain');
  log(`uid ${uid}; HEALTHCHECK passes; /predict 7, /read 90210, OIP infer 7; provider ${provider}`);
  const drained = await checkDrain(plain);
  log(`SIGTERM with a request in flight: answered, exit 0 after ${drained.toFixed(1)} s`);

  const hardened = await start('read-only', [
    '--read-only',
    '--read-only-tmpfs=false',
    '--tmpfs',
    '/tmp:rw,size=64m,mode=1777',
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    '--user',
    '10001:10001',
  ]);
  await checkAnswers(hardened, 'read-only root');
  await mustPodman('podman stop', ['stop', '-t', String(GRACE_S), hardened.name]);
  const code = await waitExit(hardened.name, 1);
  if (code !== 0) fail(`read-only root: the service exited ${code} on podman stop, not 0`);
  const after = hardened.readyAfter.toFixed(1);
  log(`read-only root with a /tmp tmpfs, all capabilities dropped: ready in ${after} s, answers right`);
  log(`ok (${mb(bytes)} MB, bound ${MAX_IMAGE_MB} MB)`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  console.error(`image-test FAILED: ${err instanceof ImageTestError ? err.message : (err as Error).stack}`);
} finally {
  await cleanUp();
}
