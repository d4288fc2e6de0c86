// app.lifecycle: starting until every plugin has loaded, then ready; main.ts sets draining on SIGTERM. While draining,
// every answer closes its connection: a keep-alive connection left idle after its last answer would hold the drain open
// until the client let go or the shutdown timeout killed the process.
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
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.lifecycle.state === 'draining') reply.header('connection', 'close');
    done(null, payload);
  });
}, { name: 'lifecycle' });
