// Load for the serving benchmarks: POST one body to a URL with wrk where installed (apt-get install wrk), autocannon
// otherwise, at a fixed number of connections for a few seconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { cpuSeconds } from './cpu.js';

export const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

export interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server's CPU per answered request (ms, all its processes), when a `cpuPid` was given and /proc can say. */
  cpuMs?: number;
}

const ms = (s: string | undefined) => {
  const m = /([\d.]+)(us|ms|s)/.exec(s ?? '');
  return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'] : Number.NaN;
};

/** How long each run waits first (BENCH_SETTLE_MS): when wrk stops, the server it drove still answers the requests it
 * had queued (64 at c64: ~0.3 s of the Python stack's CPU at one worker), which would run into the start of the next
 * run, the other server's in an alternation, and lengthen that run's tail. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 1000);

/** Requests per second and latencies (ms) of POSTing `body` with `headers` to `url` over `connections` connections for
 * `seconds`; with `cpuPid`, also the CPU that process and its workers spent per request meanwhile. */
export async function drive(
  url: string,
  body: Buffer,
  connections: number,
  seconds: number,
  headers: Record<string, string> = { 'content-type': 'image/png' },
  cpuPid?: number,
): Promise<Result> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuBefore = cpuPid === undefined ? undefined : cpuSeconds(cpuPid);
  const perRequest = (requests: number) => {
    const after = cpuPid === undefined ? undefined : cpuSeconds(cpuPid);
    return cpuBefore === undefined || after === undefined || requests === 0 ? undefined : (1000 * (after - cpuBefore)) / requests;
  };
  if (hasWrk) {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-serve-'));
    writeFileSync(path.join(dir, 'body'), body);
    const lua = path.join(dir, 'post.lua');
    const lines = Object.entries(headers)
      .map(([k, v]) => `wrk.headers["${k}"] = "${v}"\n`)
      .join('');
    writeFileSync(lua, `wrk.method = "POST"\n${lines}local f = io.open("${dir}/body", "rb")\nwrk.body = f:read("*all")\nf:close()\n`);
    // A 10 s timeout: a phone photo under load takes seconds, and wrk's default 2 s counts those as errors.
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', lua, url];
    const run = spawnSync('wrk', args, { encoding: 'utf8' });
    const out = run.stdout;
    if (!/Requests\/sec/.test(out)) throw new Error(`wrk failed: ${run.stderr || out}`);
    const field = (re: RegExp) => re.exec(out)?.[1];
    return {
      cpuMs: perRequest(Number(field(/(\d+) requests in/))),
      rps: Number(field(/Requests\/sec:\s+([\d.]+)/)),
      p50: ms(field(/^\s*50%\s+(\S+)/m)),
      p99: ms(field(/^\s*99%\s+(\S+)/m)),
      errors:
        Number(field(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0) +
        (/Socket errors:(.*)/.exec(out)?.[1].match(/\d+/g) ?? []).reduce((sum, n) => sum + Number(n), 0),
    };
  }
  const r = await autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
  const errors = r.non2xx + r.errors;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors, cpuMs: perRequest(r.requests.total) };
}
