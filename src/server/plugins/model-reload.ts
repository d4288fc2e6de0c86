// app.reloadModel(): load MODEL_PATH again, validate it (input/output names, a warm-up run at batch 2), then swap it
// in. A bad file is rejected with a log line and the current model keeps serving. Used by SIGHUP and /admin/reload.
import fp from 'fastify-plugin';
import { loadModel, type LoadedModel } from '../model.js';

declare module 'fastify' {
  interface FastifyInstance {
    reloadModel(): Promise<LoadedModel>;
  }
}

export default fp(
  async (app) => {
    let inProgress: Promise<LoadedModel> | undefined;

    async function reload(): Promise<LoadedModel> {
      const { MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS } = app.config;
      const previous = app.modelSlot.current.info;
      try {
        const next = await loadModel(MODEL_PATH, EXECUTION_PROVIDER, CPU_THREADS);
        app.modelSlot.swap(next);
        app.metrics.reloads.inc({ result: 'swapped' });
        app.log.info({ previous: previous.sha256, model: next.info, executionProvider: next.provider }, 'model reloaded');
        return next;
      } catch (err) {
        app.metrics.reloads.inc({ result: 'rejected' });
        app.log.error(
          { reason: (err as Error).message, serving: previous.sha256 },
          'model reload rejected: still serving the previous model',
        );
        throw err;
      }
    }

    // Two reloads at once (a SIGHUP during an admin call) share one load rather than racing to swap.
    app.decorate('reloadModel', () => (inProgress ??= reload().finally(() => (inProgress = undefined))));
  },
  { name: 'model-reload', dependencies: ['model-slot', 'metrics'] },
);
