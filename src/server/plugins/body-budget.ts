// What clients can make one process hold, bounded whatever they send: MAX_CONNECTIONS open connections, and
// BODY_BUDGET_BYTES of request bodies in memory, all requests together. A body that would go over the budget is refused
// with 503 + Retry-After: before any of it is read when it declares its length, as soon as it goes over when it comes
// chunked. Any answer sent before its request's body has all arrived (this 503, a 404, a 401, a 413) closes the
// connection, so the rest is never read. app.bodyBudget is there for other servers of the process to take from too.
import { Transform } from 'node:stream';
import fp from 'fastify-plugin';
import { ByteBudget } from '../byte-budget.js';
import { HttpError } from '../errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    bodyBudget: ByteBudget;
  }
}

export const overBudget = () =>
  new HttpError(503, 'overloaded', 'the service holds as many request bodies as it may at once (BODY_BUDGET_BYTES); retry shortly');

export default fp(async (app) => {
  const { BODY_BUDGET_BYTES, MAX_CONNECTIONS } = app.config;
  app.server.maxConnections = MAX_CONNECTIONS;
  const budget = new ByteBudget(BODY_BUDGET_BYTES);
  app.decorate('bodyBudget', budget);

  app.addHook('preParsing', async (req, reply, payload) => {
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!chunked && !(declared > 0)) return payload;
    const lease = budget.lease();
    // Held until the answer is sent or the connection is gone: the handler works on the body until then.
    reply.raw.once('close', lease.release);
    const limit = req.routeOptions.bodyLimit ?? app.config.BODY_LIMIT_BYTES;
    if (!chunked) {
      // Over the route's limit: the body parser answers 413 without reading it.
      if (declared <= limit && !lease.take(declared)) throw overBudget();
      return payload;
    }
    // A multipart body is read from the request by its own parser, past this hook: it may grow to the limit.
    if (/^multipart\//i.test(req.headers['content-type'] ?? '')) {
      if (!lease.take(limit)) throw overBudget();
      return payload;
    }
    return payload.pipe(new Transform({ transform: (chunk: Buffer, _enc, next) => next(lease.take(chunk.length) ? null : overBudget(), chunk) }));
  });

  app.addHook('onSend', async (req, reply) => {
    if (!req.raw.complete) reply.header('connection', 'close');
  });
}, { name: 'body-budget' });
