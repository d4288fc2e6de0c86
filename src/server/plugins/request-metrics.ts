// Every response counted and timed by route pattern (not raw URL, which would explode the label set).
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      app.metrics.requests.inc({ method: req.method, route, status: reply.statusCode });
      app.metrics.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    });
  },
  { name: 'request-metrics', dependencies: ['metrics'] },
);
