// gRPC load for bench:serve, as drive.ts is HTTP's: no ghz here, so grpc-load.ts (grpc-js) runs as its own process.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Result } from './drive.js';

const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1000);

/** Calls per second and latencies (ms) of `method` (a path, /package.Service/Method) with the encoded `request`. */
export async function driveGrpc(address: string, method: string, request: Buffer, concurrency: number, seconds: number): Promise<Result> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-grpc-')), 'request.bin');
  writeFileSync(file, request);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'harness/grpc-load.ts', address, method, file, String(concurrency), String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`grpc-load exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Result;
}
