// app.lifecycle: starting until every plugin has loaded, then ready, then draining. A drain that drops nothing, in the
// order a load balancer needs (main.ts and, in a cluster, the primary drive it):
//   1. state = 'draining': readiness answers 503 while everything is still served, for a settle time;
//   2. stopAccepting(): no new connections (those already waiting in the kernel's queue are taken first); the open ones
//      are still served as usual (no answer yet tells a client to reconnect: in a cluster it would land on a worker
//      about to stop, and be dropped there);
//   3. closeConnections(): every answer now closes its connection, connections idle for IDLE_CLOSE_MS are closed, and
//      it resolves once none is left; then app.close() finishes what is in flight and closes the services.
// Closing idle keep-alive connections at once (what server.close() does) races their clients' next requests: the
// request is sent, the connection is gone, and it is never answered (12 in one cluster drain under 16 clients).
import { Server as NetServer, type Socket } from 'node:net';
import fp from 'fastify-plugin';

export type Lifecycle = 'starting' | 'ready' | 'draining';

/** A connection with no request in progress for this long is closed once connections are being closed (a client slow to
 * send its next request on it would find it closed: the longer, the rarer). */
const IDLE_CLOSE_MS = 2_000;

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: {
      state: Lifecycle;
      /** Stops listening; the connections already open are still served. */
      stopAccepting(): Promise<void>;
      /** Closes every connection after its next answer, or once it has been idle a while; resolves when none is left. */
      closeConnections(): Promise<void>;
    };
  }
}

export default fp(
  async (app) => {
    const idleSince = new Map<Socket, number>(); // every open connection; 0 while a request is in progress
    let accepted = 0;
    app.server.on('connection', (socket: Socket) => {
      accepted++;
      idleSince.set(socket, performance.now());
      socket.once('close', () => idleSince.delete(socket));
    });
    app.server.on('request', (req, res) => {
      const socket = req.socket as Socket;
      idleSince.set(socket, 0);
      res.once('finish', () => idleSince.has(socket) && idleSince.set(socket, performance.now()));
    });

    let closing = false;
    app.decorate('lifecycle', {
      state: 'starting' as Lifecycle,
      async stopAccepting() {
        // Closing a listening socket resets the connections still waiting in the kernel's queue, whose clients may have
        // sent a request. libuv accepts one connection per turn of the event loop: turn until one accepts none (the
        // first wait only reaches this turn's end, with no poll for connections before it).
        const turn = () => new Promise((r) => setImmediate(r));
        await turn();
        for (let before = -1; before !== accepted;) {
          before = accepted;
          await turn();
        }
        // net.Server's close, not http.Server's: the latter also closes idle connections at once (see above).
        if (app.server.listening) NetServer.prototype.close.call(app.server);
      },
      async closeConnections() {
        closing = true;
        while (idleSince.size > 0) {
          const now = performance.now();
          for (const [socket, since] of idleSince) if (since > 0 && now - since >= IDLE_CLOSE_MS) socket.destroy();
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    });
    app.addHook('onReady', async () => {
      app.lifecycle.state = 'ready';
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });
  },
  { name: 'lifecycle' },
);
