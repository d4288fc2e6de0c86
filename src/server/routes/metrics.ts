// GET /metrics: Prometheus text format. Open like /health unless METRICS_REQUIRE_KEY asks for the API key.
import type { FastifyPluginAsync } from 'fastify';
import { requireBearer } from '../plugins/require-bearer.js';

const metrics: FastifyPluginAsync = async (app) => {
  if (app.config.METRICS_REQUIRE_KEY && app.config.API_KEY) await requireBearer(app, app.config.API_KEY, 'API_KEY');
  app.get('/metrics', async (_req, reply) => {
    const { registry } = app.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};

export default metrics;
