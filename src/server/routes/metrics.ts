// GET /metrics: Prometheus text format. Open like /health unless METRICS_REQUIRE_KEY asks for the API key.
// In a cluster (WORKERS > 1) whichever worker gets the scrape answers for all of them: the primary sums their metrics.
import type { FastifyPluginAsync } from 'fastify';
import { clusterMetrics, isClusterWorker, shareMetrics } from '../cluster.js';
import { requireBearer } from '../plugins/require-bearer.js';

const metrics: FastifyPluginAsync = async (app) => {
  if (app.config.METRICS_REQUIRE_KEY && app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');
  const { registry } = app.metrics;
  if (isClusterWorker) shareMetrics(registry);
  app.get('/metrics', async (_req, reply) => {
    return reply.type(registry.contentType).send(isClusterWorker ? await clusterMetrics() : await registry.metrics());
  });
};

export default metrics;
