// app.lifecycle: starting until every plugin has loaded, then ready; main.ts sets draining on SIGTERM.
import fp from 'fastify-plugin';

export type Lifecycle = 'starting' | 'ready' | 'draining';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: { state: Lifecycle };
  }
}

export default fp(async (app) => {
  app.decorate('lifecycle', { state: 'starting' as Lifecycle });
  app.addHook('onReady', async () => {
    app.lifecycle.state = 'ready';
  });
}, { name: 'lifecycle' });
