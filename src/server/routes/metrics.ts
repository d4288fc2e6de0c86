// GET /metrics: Prometheus text format. Open like /health unless METRICS_REQUIRE_KEY asks for the API key.
// In a cluster (WORKERS > 1) whichever worker gets the scrape answers for all of them: the primary sums their metrics.
import type { FastifyPluginAsync } from 'fastify';
import { clusterMetrics, isClusterWorker } from '../cluster.js';
import { HttpError } from '../errors.js';
import { requireBearer } from '../plugins/require-bearer.js';

const metrics: FastifyPluginAsync = async (app) => {
  if (app.config.METRICS_REQUIRE_KEY && app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');
  const { registry } = app.metrics;

  /** The sum over every worker. One that does not answer (stopped, stuck) makes the sum unknowable for now: a 503, so
   * the scraper records a failed scrape, rather than this worker's share passed off as the total (counters would
   * appear to reset). */
  async function everyWorker(): Promise<string> {
    try {
      return await clusterMetrics();
    } catch (err) {
      throw new HttpError(
        503,
        'metrics_unavailable',
        `not every worker answered for the cluster's metrics (${(err as Error).message}); try again`,
      );
    }
  }

  app.get('/metrics', async (_req, reply) => {
    return reply.type(registry.contentType).send(isClusterWorker ? await everyWorker() : await registry.metrics());
  });
};

export default metrics;
