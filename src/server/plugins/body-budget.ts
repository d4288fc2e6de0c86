// What clients can make one process hold, bounded whatever they send: MAX_CONNECTIONS open connections, and
// BODY_BUDGET_BYTES of request bodies in memory, all requests together. A body that would go over the budget is refused
// with 503 + Retry-After: before any of it is read when it declares its length, as soon as it goes over when it comes
// chunked. Any answer sent before its request's body has all arrived (this 503, a 404, a 401, a 413) closes the
// connection, so the rest is never read. app.bodyBudget is there for other servers of the process to take from too.
import type { Socket } from 'node:net';
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

/** How long the rest of a body that will not be used is read (and dropped) after its answer, before the connection is
 * destroyed. */
const LINGER_MS = 10_000;

/**
 * Node closes a connection after its last answer with socket.destroySoon(): end, then destroy at once. Destroying a
 * socket with unread bytes sends a reset, and a reset makes the client's kernel throw away the answer it has not read
 * yet: a client still sending a body it was refused got ECONNRESET instead of its 404 or 503. So here the answer ends
 * with a FIN, the rest of the body is read and dropped (Node's own discarding of an unconsumed request: nothing is
 * kept) so that a client that sends all before it reads (fetch) gets to its answer, and the socket is destroyed
 * LINGER_MS later at the latest: nginx's lingering close. Not reading at all was cheaper (600 refused 4 MB bodies cost
 * /health ~70 ms of p99 less) but left such clients with a reset.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS).unref();
    this.once('close', () => clearTimeout(timer));
  };
}

export default fp(
  async (app) => {
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
      return payload.pipe(
        new Transform({ transform: (chunk: Buffer, _enc, next) => next(lease.take(chunk.length) ? null : overBudget(), chunk) }),
      );
    });

    app.addHook('onSend', async (req, reply) => {
      if (req.raw.complete) return;
      reply.header('connection', 'close');
      lingerOnClose(req.raw.socket);
    });
  },
  { name: 'body-budget' },
);
