// POST /admin/reload: load MODEL_PATH again and swap it in with no downtime. Exists only when ADMIN_TOKEN is set.
import type { FastifyPluginAsync } from 'fastify';
import { announceReload } from '../cluster.js';
import { errorBody } from '../errors.js';
import { ModelLoadError } from '../model.js';
import { summaryOf } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';

const admin: FastifyPluginAsync = async (app) => {
  const token = app.config.ADMIN_TOKEN;
  if (!token) return;
  await requireBearer(app, token, 'ADMIN_TOKEN');
  app.post('/admin/reload', async (_req, reply) => {
    try {
      const model = await app.reloadModel();
      announceReload(); // in a cluster, the other workers load the same file (asynchronously, logged by each)
      return { status: 'reloaded', model: summaryOf(model.info), executionProvider: model.provider };
    } catch (err) {
      if (!(err instanceof ModelLoadError)) throw err;
      // The file on disk is the problem, not the request; the previous model keeps serving.
      return reply.status(422).send(errorBody('model_rejected', `${err.message}; still serving the previous model`));
    }
  });
};

export default admin;
