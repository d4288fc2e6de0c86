// POST /admin/reload: load MODEL_PATH again and swap it in with no downtime. Exists only when ADMIN_TOKEN is set.
// In a cluster it answers only once every worker has answered too, and says which did not take the new model.
import type { FastifyPluginAsync } from 'fastify';
import { errorBody } from '../errors.js';
import { summaryOf } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';
import { reloadEverywhere } from '../reload-everywhere.js';

const admin: FastifyPluginAsync = async (app) => {
  const token = app.config.ADMIN_TOKEN;
  if (!token) return;
  await requireBearer(app, token, 'ADMIN_TOKEN');

  app.post('/admin/reload', async (_req, reply) => {
    const outcome = await reloadEverywhere(() => app.reloadModel(), app.config.MODEL_PATH);
    if (!outcome.ok) {
      // rejected: the file on disk is the problem, not the request; the previous model keeps serving.
      const [status, code] = outcome.why === 'rejected' ? [422, 'model_rejected'] : [500, 'reload_incomplete'];
      return reply.status(status).send(errorBody(code, outcome.message));
    }
    const { model, workers } = outcome;
    return { status: 'reloaded', model: summaryOf(model.info), executionProvider: model.provider, workers };
  });
};

export default admin;
