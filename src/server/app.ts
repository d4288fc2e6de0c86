// buildApp(config): the whole HTTP service, without listening, so tests drive it with app.inject().
import Fastify, { type FastifyInstance } from 'fastify';
import type { Batcher } from './batcher.js';
import type { Config } from './config.js';
import { createInference, type Prediction } from './inference.js';
import { createMetrics, type Metrics } from './metrics.js';
import { loadModel, type LoadedModel } from './model.js';
import { ModelSlot } from './model-slot.js';
import { Preprocessor } from './preprocess/index.js';
import { OneLinePerRequest } from './request-log.js';
import errorsPlugin from './plugins/errors.js';
import bodyParsers from './plugins/body-parsers.js';
import modelReload from './plugins/model-reload.js';
import requestMetrics from './plugins/request-metrics.js';
import adminRoutes from './routes/admin.js';
import healthRoutes from './routes/health.js';
import metricsRoutes from './routes/metrics.js';
import predictRoutes from './routes/predict.js';
import readRoutes from './routes/read.js';
import openapiRoutes from './routes/openapi.js';
import pageRoutes from './routes/page.js';

export type Lifecycle = 'starting' | 'ready' | 'draining';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** The served model; swapped by a hot reload. */
    models: ModelSlot;
    preprocessor: Preprocessor;
    inference: Batcher<Float32Array, Prediction>;
    metrics: Metrics;
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
    logController: new OneLinePerRequest(),
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
  if (model.fallbackReason) {
    app.log.warn({ reason: model.fallbackReason }, 'CUDA execution provider unavailable: serving on the CPU');
  }
  app.log.info({ model: model.info, executionProvider: model.provider }, 'model loaded and warmed up');
  const models = new ModelSlot(model, !opts.model);
  const metrics = createMetrics({ models, queueDepth: () => inference.queued });
  const inference = createInference(
    models,
    { maxBatchSize: config.BATCH_MAX_SIZE, maxDelayMs: config.BATCH_MAX_DELAY_MS, maxQueue: config.QUEUE_MAX },
    ({ size, seconds }) => {
      metrics.batchSize.observe(size);
      metrics.inference.observe(seconds);
    },
  );
  const preprocessor = new Preprocessor({
    maxPixels: config.MAX_INPUT_PIXELS,
    threads: config.PREPROCESS_THREADS,
    inlineMaxPixels: config.INLINE_MAX_PIXELS,
    maxQueue: config.QUEUE_MAX,
  });
  app.decorate('models', models);
  app.decorate('metrics', metrics);
  app.decorate('inference', inference);
  app.decorate('preprocessor', preprocessor);
  app.addHook('onClose', async () => {
    await preprocessor.close();
    models.close();
  });

  await app.register(errorsPlugin);
  await app.register(requestMetrics);
  await app.register(bodyParsers);
  await app.register(modelReload);
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(predictRoutes);
  await app.register(readRoutes);
  await app.register(adminRoutes);
  await app.register(openapiRoutes);
  await app.register(pageRoutes);
  app.addHook('onReady', async () => {
    app.lifecycle.state = 'ready';
  });
  return app;
}
