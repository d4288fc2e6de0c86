// app.preprocessor: uploaded bytes → the model's input, with a pool of PREPROCESS_THREADS worker threads.
import fp from 'fastify-plugin';
import { Preprocessor } from '../../imaging/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    preprocessor: Preprocessor;
  }
}

export default fp(
  async (app) => {
    const { MAX_INPUT_PIXELS, PREPROCESS_THREADS, INLINE_MAX_PIXELS, QUEUE_MAX } = app.config;
    const preprocessor = new Preprocessor({
      maxPixels: MAX_INPUT_PIXELS,
      threads: PREPROCESS_THREADS,
      inlineMaxPixels: INLINE_MAX_PIXELS,
      maxQueue: QUEUE_MAX,
    });
    app.decorate('preprocessor', preprocessor);
    app.addHook('onClose', () => preprocessor.close());
  },
  { name: 'preprocessor' },
);
