// gRPC load for bench:serve, as drive.ts is HTTP's. Where h2load is installed (apt-get install nghttp2-client) it drives
// the calls: a C load generator as wrk is for REST, so the two transports' rows cost their client the same and compare
// fairly; a gRPC unary call is an HTTP/2 POST whose body is the length-prefixed message. Otherwise grpc-load.ts (grpc-js
// in its own process), whose client costs about what the server does, so its rows say more about the client.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Result } from './drive.js';

const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1000);

export const hasH2load = spawnSync('h2load', ['--version']).error === undefined;
export const grpcLoadName = hasH2load ? 'h2load -t1' : 'grpc-js (grpc-load.ts)';

/** Connections for `concurrency` calls in flight: one per 8 calls (a gRPC client multiplexes its calls on one
 * connection), and at least two, since a cluster hands out connections, not calls, and WORKERS=2 needs both busy. */
export const grpcConnections = (concurrency: number) => Math.min(concurrency, Math.max(2, Math.ceil(concurrency / 8)));

/** Calls per second and latencies (ms) of `method` (a path, /package.Service/Method) with the encoded `request`. */
export async function driveGrpc(address: string, method: string, request: Buffer, concurrency: number, seconds: number): Promise<Result> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-grpc-'));
  return hasH2load
    ? h2load(dir, address, method, request, concurrency, seconds)
    : grpcJs(dir, address, method, request, concurrency, seconds);
}

/** The gRPC wire form of one message: a byte saying "not compressed", its length (4 bytes, big-endian), the message. */
function framed(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

function h2load(dir: string, address: string, method: string, request: Buffer, concurrency: number, seconds: number): Result {
  const body = path.join(dir, 'request.grpc');
  const log = path.join(dir, 'calls.log');
  writeFileSync(body, framed(request));
  const connections = grpcConnections(concurrency);
  const streams = Math.ceil(concurrency / connections);
  const args = ['-t1', `-c${connections}`, `-m${streams}`, `-D${seconds}`, '-d', body, '--log-file', log];
  const headers = ['content-type: application/grpc', 'te: trailers'].flatMap((h) => ['-H', h]);
  const run = spawnSync('h2load', [...args, ...headers, `http://${address}${method}`], { encoding: 'utf8' });
  const requests = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(run.stdout);
  const finished = /finished in ([\d.]+)s/.exec(run.stdout);
  if (!requests || !finished) throw new Error(`h2load failed: ${run.stderr || run.stdout}`);
  // The log holds one line per call: its start (µs since the run began), its HTTP status and its duration (µs). A gRPC
  // error travels in the trailers of an HTTP 200, which h2load does not read: the caller checks one call's status first.
  const durations = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((f) => f[1] === '200')
    .map((f) => Number(f[2]) / 1000)
    .sort((a, b) => a - b);
  const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? Number.NaN;
  return { rps: durations.length / seconds, p50: at(0.5), p99: at(0.99), errors: Number(requests[2]) + Number(requests[3]) };
}

async function grpcJs(
  dir: string,
  address: string,
  method: string,
  request: Buffer,
  concurrency: number,
  seconds: number,
): Promise<Result> {
  const file = path.join(dir, 'request.bin');
  writeFileSync(file, request);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'harness/grpc-load.ts', address, method, file, String(concurrency), String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // 'close', not 'exit': the result is the last line of stdout, which may still be in the pipe at exit.
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`grpc-load exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Result;
}
