// app.modelSlot: the model being served (MODEL_PATH, loaded and warmed up before the service says it is ready), which a
// hot reload swaps.
import cluster from 'node:cluster';
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

export default fp<ModelSlotOptions>(
  async (app, opts) => {
    const { MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS } = app.config;
    const model = opts.model ?? (await loadModel(MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS));
    if (model.fallbackReason) {
      // EXECUTION_PROVIDER=auto without a usable GPU: expected on most machines, so one short line (the reason in the
      // JSON record), and in a cluster from the first worker only, not the same paragraph from every worker.
      const once = !cluster.isWorker || cluster.worker?.id === 1;
      app.log[once ? 'info' : 'debug']({ reason: model.fallbackReason }, 'no GPU, using CPU');
    }
    const { name, version } = model.info;
    app.log.info(
      { model: model.info, executionProvider: model.provider },
      `model ${name} ${version} loaded and warmed up on ${model.provider}`,
    );
    const slot = new ModelSlot(model, !opts.model);
    modelInfoGauge(app.metrics, () => slot.current);
    app.decorate('modelSlot', slot);
    app.addHook('onClose', async () => slot.close());
  },
  { name: 'model-slot', dependencies: ['metrics'] },
);
