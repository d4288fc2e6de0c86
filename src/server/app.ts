// buildApp(config): the whole HTTP service, without listening, so tests drive it with app.inject().
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { loadModel, type LoadedModel } from './model.js';
import errorsPlugin from './plugins/errors.js';
import bodyParsers from './plugins/body-parsers.js';
import healthRoutes from './routes/health.js';
import predictRoutes from './routes/predict.js';
import openapiRoutes from './routes/openapi.js';
import pageRoutes from './routes/page.js';

export type Lifecycle = 'starting' | 'ready' | 'draining';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    model: LoadedModel;
    lifecycle: { state: Lifecycle };
  }
}

export interface BuildOptions {
  /** A model loaded already (tests share one); otherwise MODEL_PATH is loaded and warmed up before ready. */
  model?: LoadedModel;
  /** Pino options or false; defaults to JSON logs at config.LOG_LEVEL. */
  logger?: boolean | object;
}

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? { level: config.LOG_LEVEL },
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    // A slow client must not hold a connection forever.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  app.decorate('config', config);
  app.decorate('lifecycle', { state: 'starting' as Lifecycle });

  const model = opts.model ?? (await loadModel(config.MODEL_PATH, config.EXECUTION_PROVIDER, config.CPU_THREADS));
  app.decorate('model', model);
  if (model.fallbackReason) {
    app.log.warn({ reason: model.fallbackReason }, 'CUDA execution provider unavailable: serving on the CPU');
  }
  app.log.info({ model: model.info, executionProvider: model.provider }, 'model loaded and warmed up');
  if (!opts.model) app.addHook('onClose', () => model.release());

  await app.register(errorsPlugin);
  await app.register(bodyParsers);
  await app.register(healthRoutes);
  await app.register(predictRoutes);
  await app.register(openapiRoutes);
  await app.register(pageRoutes);
  app.addHook('onReady', async () => {
    app.lifecycle.state = 'ready';
  });
  return app;
}
