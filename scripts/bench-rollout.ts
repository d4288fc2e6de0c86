// `npm run bench:rollout`: a rolling restart of 3 built service instances behind nginx under steady load (BENCH_CONCURRENCY
// requests in flight, default 16), each replaced in turn, then BENCH_SETTLE_SECONDS (default 5) more load. Prints every
// request's outcome; exits 1 if any request failed or got a 5xx. The environment is passed on to the instances, so
// `WORKERS=2 npm run bench:rollout` rolls clusters. Needs Debian's nginx.
import { formatCounts, hasNginx, NGINX, rollout } from '../harness/rollout.js';

if (!hasNginx()) {
  console.error(`bench:rollout needs ${NGINX}: apt-get install nginx`);
  process.exit(1);
}
const counts = await rollout({
  instances: Number(process.env.BENCH_INSTANCES ?? 3),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
  settleMs: Number(process.env.BENCH_SETTLE_SECONDS ?? 5) * 1000,
  maxRequests: Number(process.env.BENCH_MAX_REQUESTS ?? 2_000_000),
  maxSeconds: Number(process.env.BENCH_MAX_SECONDS ?? 600),
  env: { EXECUTION_PROVIDER: process.env.EXECUTION_PROVIDER ?? 'cpu' },
  start: { args: ['dist/server/main.js'] },
  log: (line) => console.log(line),
});
console.log(formatCounts(counts));
process.exit(counts.failed === 0 && counts.serverErrors === 0 && counts.ok === counts.requests ? 0 : 1);
