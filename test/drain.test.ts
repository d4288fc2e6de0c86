// A cluster drains without dropping a request: SIGTERM to the primary of WORKERS=2 under 16 keep-alive clients, ten
// times. A request is dropped when it was written to a connection and no answer came back (a reset or a close after
// it was sent); a connection refused is not a drop: nothing was sent, and the client knows it. Readiness says 503
// before the service stops accepting.
import assert from 'node:assert/strict';
import { request, type Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:http';
import { describe, it } from 'node:test';
import { startService } from '../harness/service.js';

const RUNS = Number(process.env.DRAIN_RUNS ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome = 'answered' | 'refused' | 'dropped';

/** One GET /health/ready; whether it was answered, refused before anything was sent, or dropped after. */
function once(url: string, agent: HttpAgent): Promise<{ outcome: Outcome; status?: number; detail?: string }> {
  return new Promise((resolve) => {
    let sent = false;
    const req = request(`${url}/health/ready`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ outcome: 'answered', status: res.statusCode }));
      res.on('error', (err) => resolve({ outcome: 'dropped', detail: `${err.message} in the body` }));
    });
    req.on('finish', () => (sent = true));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve(
        !sent && err.code === 'ECONNREFUSED'
          ? { outcome: 'refused' }
          : {
              outcome: 'dropped',
              detail: `${err.code ?? err.message} on a ${req.reusedSocket ? 'reused' : 'new'} connection at ${(performance.now() - (globalThis as { killedAt?: number }).killedAt!).toFixed(0)} ms`,
            },
      ),
    );
    req.end();
  });
}

describe('cluster drain under keep-alive clients', () => {
  it(
    `SIGTERM to the primary of WORKERS=2 under 16 keep-alive clients drops nothing, ${RUNS} times`,
    { timeout: RUNS * 60_000 },
    async (t) => {
      for (let run = 0; run < RUNS; run++) {
        const service = await startService({ WORKERS: '2', DRAIN_SETTLE_MS: '300', LOG_LEVEL: 'warn' });
        const agent = new Agent({ keepAlive: true, maxSockets: 16 });
        const counts = { answered: 0, refused: 0, dropped: 0, notReady: 0 };
        const drops: string[] = [];
        let stop = false;
        const clients = Array.from({ length: 16 }, async () => {
          while (!stop) {
            const r = await once(service.url, agent);
            counts[r.outcome]++;
            if (r.status === 503) counts.notReady++;
            if (r.outcome === 'dropped') drops.push(r.detail!);
            if (r.outcome === 'refused') stop = true; // nothing listens any more: the drain has gone that far
          }
        });
        await sleep(300);
        (globalThis as { killedAt?: number }).killedAt = performance.now();
        service.child.kill('SIGTERM');
        const code = await service.exited;
        stop = true;
        await Promise.all(clients);
        agent.destroy();
        t.diagnostic(`run ${run + 1}: ${JSON.stringify(counts)}`);
        assert.equal(code, 0, service.log());
        assert.deepEqual(drops, [], `run ${run + 1}: ${JSON.stringify(counts)} ${drops.slice(0, 5).join(' | ')}`);
        assert.ok(counts.notReady > 0, `run ${run + 1}: readiness never said 503 before the service stopped accepting`);
      }
    },
  );
});
