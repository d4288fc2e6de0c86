// app.grpc: the Open Inference Protocol over gRPC (src/server/grpc/) beside the REST API, through the same batcher,
// model slot, limits and keys. It listens only when told (main.ts, on GRPC_PORT, before the HTTP port; in a cluster it
// takes the connections the primary hands it instead), so that an app built for app.inject() opens no port. On close it
// drains with REST: preClose (before the HTTP server closes) stops new calls and starts finishing those in flight;
// onClose waits for them, before the services they use close.
import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import { createGrpcMetrics } from '../grpc/metrics.js';
import { createGrpcServer } from '../grpc/server.js';
import { reloadEverywhere } from '../reload-everywhere.js';

export interface GrpcEndpoint {
  /** Listens on GRPC_PORT (or `port`; 0: a free one) at HOST and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Serves a connection a cluster's primary accepted on GRPC_PORT. */
  take(connection: Socket): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    grpc: GrpcEndpoint;
  }
}

export default fp(
  async (app) => {
    const { config } = app;
    let closing = false;
    const server = createGrpcServer({
      services: {
        model: () => app.modelSlot.current,
        ready: () => !closing && app.lifecycle.state === 'ready',
        starting: () => app.lifecycle.state === 'starting',
        infer: (images) => app.inference.predictAll(images),
        maxBatch: config.BATCH_MAX_SIZE,
        apiKey: config.API_KEY,
        adminToken: config.ADMIN_TOKEN,
        reload: () => reloadEverywhere(() => app.reloadModel(), config.MODEL_PATH),
      },
      metrics: createGrpcMetrics(app.metrics.registry),
      log: app.log.child({ transport: 'grpc' }),
      maxMessageBytes: config.BODY_LIMIT_BYTES,
    });
    app.decorate('grpc', {
      listen: (port = config.GRPC_PORT, host = config.HOST) => server.listen(host, port),
      take: (connection) => server.take(connection),
    });

    let drained: Promise<void> | undefined;
    app.addHook('preClose', async () => {
      closing = true;
      drained = server.drain();
    });
    app.addHook('onClose', async () => {
      await (drained ?? server.drain());
    });
  },
  { name: 'grpc', dependencies: ['lifecycle', 'metrics', 'model-slot', 'inference', 'model-reload'] },
);
