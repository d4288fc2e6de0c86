// app.inference: predictions from the model slot, with requests batched dynamically (BATCH_MAX_SIZE,
// BATCH_MAX_DELAY_MS) behind a queue of at most QUEUE_MAX images.
import fp from 'fastify-plugin';
import { createInference, type Inference } from '../inference.js';
import { queueDepthGauge } from '../metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    inference: Inference;
  }
}

export default fp(
  async (app) => {
    const { BATCH_MAX_SIZE, BATCH_MAX_DELAY_MS, QUEUE_MAX } = app.config;
    const { metrics } = app;
    const inference = createInference(
      app.modelSlot,
      { maxBatchSize: BATCH_MAX_SIZE, maxDelayMs: BATCH_MAX_DELAY_MS, maxQueue: QUEUE_MAX },
      {
        batch({ size, seconds }) {
          metrics.batchSize.observe(size);
          metrics.inference.observe(seconds);
        },
        queueWait: (seconds) => metrics.queueWait.observe(seconds),
      },
    );
    queueDepthGauge(metrics, () => inference.queued);
    app.decorate('inference', inference);
  },
  { name: 'inference', dependencies: ['metrics', 'model-slot'] },
);
