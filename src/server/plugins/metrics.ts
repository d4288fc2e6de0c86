// app.metrics: the Prometheus registry and every metric the service records. In a cluster, the primary gathers each
// worker's registry to answer for all of them.
import fp from 'fastify-plugin';
import { isClusterWorker, shareMetrics } from '../cluster.js';
import { createMetrics, type Metrics } from '../metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export default fp(
  async (app) => {
    const metrics = createMetrics();
    if (isClusterWorker) shareMetrics(metrics.registry);
    app.decorate('metrics', metrics);
  },
  { name: 'metrics' },
);
