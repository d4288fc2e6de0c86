// A rolling restart under load, the way Kubernetes does one, on loopback: N service instances behind nginx (Debian's,
// run as a non-daemon child with its own prefix and config in a temporary directory), steady load through nginx, and
// each instance replaced in turn (SIGTERM, a new one on the same port, wait until it is ready) while the load runs.
// Every request is counted. Used by test/rollout.test.ts and `npm run bench:rollout`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMnist, toFloat } from '../src/train/mnist.js';
import { variants } from '../src/synth/mnist-pictures.js';
import { jsonInferBody } from './oip-requests.js';
import { freePort, startService, type Service, type StartOptions } from './service.js';

export const NGINX = '/usr/sbin/nginx';
export const hasNginx = (): boolean => spawnSync(NGINX, ['-v']).error === undefined;

export interface RolloutOptions {
  instances: number;
  /** Requests in flight at once through nginx (a closed loop: each sends its next request when one is answered). */
  concurrency: number;
  /** Load keeps running this long after the last replacement is ready, so traffic returns to the new instances. */
  settleMs: number;
  /** Bounds on the load, whatever happens: at most this many requests and this long in all. */
  maxRequests: number;
  maxSeconds: number;
  env?: Record<string, string>;
  start?: StartOptions;
  log?: (line: string) => void;
}

export interface RolloutCounts {
  requests: number;
  ok: number;
  /** Answers with a 5xx status (nginx's 502/504 when it found no instance, or an instance's own). */
  serverErrors: number;
  /** Other non-200 answers. */
  otherStatus: number;
  /** No answer at all: connection refused or reset, or the 10 s client timeout. */
  failed: number;
  byStatus: Record<string, number>;
  /** Upstream errors nginx logged and retried on another instance (its passive health checks at work). */
  nginxRetries: number;
  replaced: number;
  seconds: number;
  /** Requests each replacement answered (from its own /metrics), in order: traffic came back to it. */
  servedByReplacements: number[];
}

/**
 * nginx as a load balancer in front of `ports`. Passive health checks: one failure takes an instance out for
 * fail_timeout, then nginx tries it again. proxy_next_upstream retries a request elsewhere when an instance refuses the
 * connection (stopped, or restarting on its port), resets it, times out, or answers 503 (draining: Fastify's
 * return503OnClosing answers before any handler runs). `non_idempotent` lets nginx retry POSTs too: a prediction has no
 * side effect, so running one twice is harmless, while failing it is not.
 */
function nginxConfig(dir: string, listen: number, ports: number[]): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream lenet {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${listen};
    client_max_body_size 4m;
    client_body_buffer_size 4m;
    location / {
      proxy_pass http://lenet;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries ${ports.length};
    }
  }
}
`;
}

async function startNginx(ports: number[]): Promise<{ url: string; child: ChildProcess; errors: () => string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lenet-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers drop root for "nobody" and must reach their temp paths
  const listen = await freePort();
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, listen, ports));
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')];
  const child = spawn(NGINX, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${listen}`;
  const errors = () => {
    try {
      return readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return {
        url,
        child,
        errors,
        stop: async () => {
          child.kill('SIGQUIT'); // graceful: finish what is in flight
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not start:\n${output}\n${errors()}`);
}

/** POSTs an instance has answered with 200, from its own /metrics (0 when it does not answer). */
async function servedBy(service: Service): Promise<number> {
  const metrics = await fetch(`${service.url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const served = [...metrics.matchAll(/^http_requests_total\{method="POST",route="[^"]*",status="200"\} (\d+)/gm)];
  return served.reduce((sum, m) => sum + Number(m[1]), 0);
}

async function stopService(service: Service): Promise<number | null> {
  if (service.child.exitCode === null) service.child.kill('SIGTERM');
  return service.exited;
}

export async function rollout(opts: RolloutOptions): Promise<RolloutCounts> {
  const log = opts.log ?? (() => {});
  const env = { LOG_LEVEL: 'warn', PREPROCESS_THREADS: '0', SHUTDOWN_TIMEOUT_MS: '10000', ...opts.env };
  const { test: mnist } = loadMnist();
  const png = await variants.plain(mnist, 0);
  const oip = jsonInferBody(toFloat(mnist, 0, 1), 1);

  const services = await Promise.all(Array.from({ length: opts.instances }, () => startService(env, opts.start)));
  const ports = services.map((s) => Number(new URL(s.url).port));
  const nginx = await startNginx(ports).catch(async (err) => {
    await Promise.all(services.map(stopService));
    throw err;
  });

  const counts: RolloutCounts = {
    requests: 0,
    ok: 0,
    serverErrors: 0,
    otherStatus: 0,
    failed: 0,
    byStatus: {},
    nginxRetries: 0,
    replaced: 0,
    seconds: 0,
    servedByReplacements: [],
  };
  const started = performance.now();
  const deadline = started + opts.maxSeconds * 1000;
  let stopping = false;
  const failures: string[] = [];

  // Steady load through nginx: /predict with a real PNG, and every fourth request an OIP infer, both POSTs.
  async function loop(): Promise<void> {
    while (!stopping && counts.requests < opts.maxRequests && performance.now() < deadline) {
      const viaOip = counts.requests % 4 === 3;
      counts.requests++;
      try {
        const res = await fetch(viaOip ? `${nginx.url}/v2/models/lenet/infer` : `${nginx.url}/predict`, {
          method: 'POST',
          headers: { 'content-type': viaOip ? 'application/json' : 'image/png' },
          body: viaOip ? oip : new Uint8Array(png),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        counts.byStatus[res.status] = (counts.byStatus[res.status] ?? 0) + 1;
        if (res.status === 200) counts.ok++;
        else if (res.status >= 500) counts.serverErrors++;
        else counts.otherStatus++;
      } catch (err) {
        counts.failed++;
        if (failures.length < 5) failures.push(String((err as Error).cause ?? err));
      }
    }
  }
  const load = Promise.all(Array.from({ length: opts.concurrency }, loop));

  const current = [...services];
  try {
    await new Promise((r) => setTimeout(r, 1000)); // load is flowing before the first replacement
    for (let i = 0; i < current.length; i++) {
      const before = counts.requests;
      const code = await stopService(current[i]);
      if (code !== 0) throw new Error(`instance ${i} exited with ${code} on SIGTERM:\n${current[i].log()}`);
      current[i] = await startService(env, { ...opts.start, port: ports[i] });
      counts.replaced++;
      // As a Deployment's minReadySeconds: the next instance goes only once the balancer sends this one traffic again
      // (nginx keeps an instance that refused a connection out for fail_timeout, even once it is up).
      for (let wait = 0; wait < 50 && (await servedBy(current[i])) === 0; wait++) await new Promise((r) => setTimeout(r, 100));
      const replaced = `instance ${i + 1}/${current.length} on :${ports[i]} replaced (pid ${current[i].child.pid})`;
      log(`${replaced}; ${counts.requests - before} requests meanwhile`);
    }
    await new Promise((r) => setTimeout(r, opts.settleMs));
  } finally {
    stopping = true;
    await load;
    counts.seconds = (performance.now() - started) / 1000;
    for (const service of current.slice(0, counts.replaced)) counts.servedByReplacements.push(await servedBy(service));
    counts.nginxRetries = nginx
      .errors()
      .split('\n')
      .filter((line) => /\[error\].*upstream/.test(line)).length;
    await nginx.stop();
    await Promise.all(current.map(stopService));
  }
  if (failures.length) log(`first failures: ${failures.join('; ')}`);
  return counts;
}

export function formatCounts(c: RolloutCounts): string {
  return (
    `rollout: ${c.replaced} instances replaced in ${c.seconds.toFixed(1)} s under load; ${c.requests} requests through nginx: ` +
    `${c.ok} × 200, ${c.serverErrors} × 5xx, ${c.otherStatus} other status, ${c.failed} failed (no answer); ` +
    `statuses ${JSON.stringify(c.byStatus)}; nginx retried ${c.nginxRetries} upstream errors on another instance; ` +
    `replacements answered ${c.servedByReplacements.join(', ')} requests`
  );
}
