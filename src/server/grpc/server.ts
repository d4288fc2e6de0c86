// The gRPC server: the inference and health services on one grpc-js Server, every unary call counted, timed and logged
// with its status code, its messages bounded by BODY_LIMIT_BYTES (grpc-js refuses a longer one from its length prefix,
// before reading it, with RESOURCE_EXHAUSTED), and a graceful stop that finishes the calls in flight.
// Alone it listens on GRPC_PORT itself; in a cluster the primary listens and hands each worker's server its connections
// (balance.ts), which it takes in through grpc-js's connection injector (tested with WORKERS=2 in test/grpc.test.ts).
import type { Socket } from 'node:net';
import { format } from 'node:util';
import {
  Server,
  ServerCredentials,
  setLogger,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { FastifyBaseLogger } from 'fastify';
import { grpcAddress, GrpcListenError } from './listen-error.js';
import { healthHandlers } from './health.js';
import { inferenceHandlers, type GrpcServices } from './handlers.js';
import type { GrpcMetrics } from './metrics.js';
import { healthService, inferenceService, INFERENCE_SERVICE, repositoryService } from './proto.js';
import { codeName, toGrpcStatus } from './status.js';

export interface GrpcServerOptions {
  services: GrpcServices;
  metrics: GrpcMetrics;
  log: FastifyBaseLogger;
  /** Largest message accepted, in bytes. */
  maxMessageBytes: number;
}

const MAX_STREAMS_PER_CONNECTION = 128;

export interface GrpcServer {
  /** Listens on host:port (0: a free port) and resolves with the port. */
  listen(host: string, port: number): Promise<number>;
  /** Serves a connection accepted elsewhere (a cluster's primary); closes it once the server is draining. */
  take(connection: Socket): void;
  /** Stops taking calls (health turns NOT_SERVING, clients are told to go elsewhere), finishes those in flight. */
  drain(): Promise<void>;
}

export function createGrpcServer({ services, metrics, log, maxMessageBytes }: GrpcServerOptions): GrpcServer {
  // grpc-js writes its own errors to stderr (its one logger is global): into our log instead, as JSON lines like the rest.
  setLogger({ error: (...args: unknown[]) => log.warn({ source: 'grpc-js' }, format(...args)) });
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    // Calls at once on one connection (grpc-js sets no limit; Go's gRPC server allows 250): each may buffer a whole
    // message before its handler runs, so this bounds what one connection can make the process hold.
    'grpc.max_concurrent_streams': MAX_STREAMS_PER_CONNECTION,
  });
  let listening = false;
  let draining = false;
  let injector: ReturnType<Server['createConnectionInjector']> | undefined;

  /** A handler of ours as grpc-js calls it: its result or error as the call's answer, counted, timed and logged in one
   * line (as REST's requests are: method, code, time; an error's message, never the request's data). */
  const unary =
    <Req, Res>(service: string, method: string, fn: (call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      const finish = (code: status, details?: string) => {
        const seconds = (performance.now() - started) / 1000;
        metrics.handled.inc({ grpc_service: service, grpc_method: method, grpc_code: codeName(code) });
        metrics.handling.observe({ grpc_service: service, grpc_method: method }, seconds);
        log.info({ grpcMethod: method, grpcCode: codeName(code), responseTime: seconds * 1000 }, details ?? 'call completed');
      };
      Promise.resolve()
        .then(() => fn(call))
        .then(
          (response) => {
            finish(status.OK);
            callback(null, response);
          },
          (err: unknown) => {
            const answer = toGrpcStatus(err);
            if (answer.code === status.INTERNAL) log.error({ err, grpcMethod: method }, 'unhandled error');
            finish(answer.code, answer.details);
            callback(answer);
          },
        );
    };

  const handlers = inferenceHandlers(services);
  const implementation = (names: string[]): UntypedServiceImplementation =>
    Object.fromEntries(names.map((name) => [name, unary(INFERENCE_SERVICE, name, handlers[name as keyof typeof handlers] as never)]));
  server.addService(inferenceService, implementation(Object.keys(inferenceService)));
  server.addService(repositoryService, implementation(Object.keys(repositoryService)));
  const health = healthHandlers(services.ready);
  server.addService(healthService, health.handlers as unknown as UntypedServiceImplementation);

  return {
    listen(host, port) {
      return new Promise((resolve, reject) =>
        server.bindAsync(grpcAddress(host, port), ServerCredentials.createInsecure(), (err, bound) => {
          if (err) return reject(new GrpcListenError(host, port, err));
          listening = true;
          resolve(bound);
        }),
      );
    },
    take(connection) {
      if (draining) return void connection.destroy();
      injector ??= server.createConnectionInjector(ServerCredentials.createInsecure());
      injector.injectConnection(connection);
    },
    async drain() {
      draining = true;
      health.draining();
      if (!listening && !injector) return server.forceShutdown();
      // tryShutdown closes the listening socket, sends each connection GOAWAY (its client reconnects elsewhere) and calls
      // back once the calls on them have finished; main.ts's SHUTDOWN_TIMEOUT_MS bounds how long that may take.
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
