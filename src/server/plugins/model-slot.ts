// app.modelSlot: the model being served (MODEL_PATH, loaded and warmed up before the service says it is ready), which a
// hot reload swaps.
import fp from 'fastify-plugin';
import { modelInfoGauge } from '../metrics.js';
import { loadModel, type LoadedModel } from '../model.js';
import { ModelSlot } from '../model-slot.js';

declare module 'fastify' {
  interface FastifyInstance {
    modelSlot: ModelSlot;
  }
}

export interface ModelSlotOptions {
  /** A model loaded already (tests share one, and it stays theirs to release); otherwise MODEL_PATH is loaded. */
  model?: LoadedModel;
}

export default fp<ModelSlotOptions>(async (app, opts) => {
  const { MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS } = app.config;
  const model = opts.model ?? (await loadModel(MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS));
  if (model.fallbackReason) {
    app.log.warn({ reason: model.fallbackReason }, 'CUDA execution provider unavailable: serving on the CPU');
  }
  app.log.info({ model: model.info, executionProvider: model.provider }, 'model loaded and warmed up');
  const slot = new ModelSlot(model, !opts.model);
  modelInfoGauge(app.metrics, () => slot.current);
  app.decorate('modelSlot', slot);
  app.addHook('onClose', async () => slot.close());
}, { name: 'model-slot', dependencies: ['metrics'] });
