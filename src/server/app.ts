// buildApp(config): the whole HTTP service, without listening, so tests drive it with app.inject().
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { LoadedLineModel } from './line-model.js';
import { createLogger } from './log.js';
import type { LoadedModel } from './model.js';
import { OneLinePerRequest } from './request-log.js';
import bodyBudget from './plugins/body-budget.js';
import bodyParsers from './plugins/body-parsers.js';
import inFlight from './plugins/in-flight.js';
import errors, { clientErrorHandler, frameworkErrors } from './plugins/errors.js';
import grpc from './plugins/grpc.js';
import inference from './plugins/inference.js';
import lifecycle from './plugins/lifecycle.js';
import lineModel from './plugins/line-model.js';
import metrics from './plugins/metrics.js';
import modelReload from './plugins/model-reload.js';
import modelSlot from './plugins/model-slot.js';
import preprocessor from './plugins/preprocessor.js';
import requestMetrics from './plugins/request-metrics.js';
import adminRoutes from './routes/admin.js';
import healthRoutes from './routes/health.js';
import metricsRoutes from './routes/metrics.js';
import predictRoutes from './routes/predict.js';
import oipRoutes from './routes/oip.js';
import readRoutes from './routes/read.js';
import openapiRoutes from './routes/openapi.js';
import docsRoutes from './routes/docs.js';
import pageRoutes from './routes/page.js';

export type { Lifecycle } from './plugins/lifecycle.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface BuildOptions {
  /** A model loaded already (tests share one); otherwise MODEL_PATH is loaded and warmed up before ready. */
  model?: LoadedModel;
  /** A line model loaded already (tests share one), or null for none; otherwise LINE_MODEL_PATH when READER needs it. */
  lineModel?: LoadedLineModel | null;
  /** Pino options or false; defaults to the service's logger (log.ts) at config.LOG_LEVEL and LOG_FORMAT. */
  logger?: boolean | object;
}

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger === undefined ? { loggerInstance: createLogger(config) as FastifyBaseLogger } : { logger: opts.logger }),
    logController: new OneLinePerRequest(),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    // A slow client must not hold a connection forever: the whole request within REQUEST_TIMEOUT_MS, its headers within a
    // third of it, checked every second (Node checks every 30 s by default: a "30 s" timeout was really 60–90 s).
    connectionTimeout: 30_000,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: { headersTimeout: Math.round(config.REQUEST_TIMEOUT_MS / 3), connectionsCheckingInterval: 1_000 },
    // Loading a model has no deadline of Fastify's: a GPU's first session can take longer than its default 10 s.
    pluginTimeout: 0,
    // Errors found before a route runs (a malformed URL, an unparsable request) answer in our error shape too.
    frameworkErrors,
    clientErrorHandler,
  });
  app.decorate('config', config);

  // What the service is made of: each a named plugin that declares what it needs.
  await app.register(lifecycle);
  await app.register(errors);
  await app.register(bodyBudget);
  await app.register(metrics);
  await app.register(requestMetrics);
  await app.register(modelSlot, { model: opts.model });
  await app.register(inference);
  await app.register(lineModel, { lineModel: opts.lineModel });
  await app.register(preprocessor);
  await app.register(modelReload);
  await app.register(bodyParsers);
  await app.register(inFlight); // after the services it waits for, before the routes it counts
  await app.register(grpc); // the OIP over gRPC on GRPC_PORT; drained on close before the services it uses

  // What it answers.
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(predictRoutes);
  await app.register(oipRoutes, { prefix: '/v2' });
  await app.register(readRoutes);
  await app.register(adminRoutes);
  await app.register(openapiRoutes);
  await app.register(docsRoutes);
  await app.register(pageRoutes);
  return app;
}
