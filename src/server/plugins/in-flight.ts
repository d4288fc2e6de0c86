// Route handlers still running, and a close that waits for them before the pools and the model they use are closed.
// Closing the server waits only for connections: a request whose client has gone keeps running with no connection to
// wait for, and without this its preprocessing or batch was cut off under it (logged as an unhandled error).
// Registered after the services it names as dependencies and before the routes: Fastify runs onClose hooks
// last-registered first, so this one runs after the server has stopped accepting and before any service's own.
import { once, EventEmitter } from 'node:events';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    let running = 0;
    const idle = new EventEmitter();

    const done = () => {
      if (--running === 0) idle.emit('idle');
    };
    // A handler that returns a promise runs until it settles; one that does not is left as it is (Fastify sends what an
    // async function resolves to, even undefined, so wrapping every handler in one would change a callback-style one).
    app.addHook('onRoute', (route) => {
      const handler = route.handler;
      route.handler = function (request, reply) {
        running++;
        let result: unknown;
        try {
          result = handler.call(this, request, reply);
        } catch (err) {
          done();
          throw err;
        }
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') return Promise.resolve(result).finally(done);
        done();
        return result;
      };
    });

    app.addHook('onClose', async () => {
      if (running === 0) return;
      app.log.info({ requests: running }, 'draining: finishing requests whose clients have gone');
      while (running > 0) await once(idle, 'idle');
    });
  },
  { name: 'in-flight', dependencies: ['model-slot', 'inference', 'preprocessor'] },
);
