// POST /admin/reload: load MODEL_PATH again and swap it in with no downtime. Exists only when ADMIN_TOKEN is set.
// In a cluster it answers only once every worker has answered too, and says which did not take the new model.
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { reloadOthers } from '../cluster.js';
import { errorBody } from '../errors.js';
import { ModelLoadError } from '../model.js';
import { summaryOf } from '../model-slot.js';
import { requireBearer } from '../plugins/require-bearer.js';

const admin: FastifyPluginAsync = async (app) => {
  const token = app.config.ADMIN_TOKEN;
  if (!token) return;
  await requireBearer(app, token, 'ADMIN_TOKEN');
  // A client has no business learning the server's directories (the log has them): the file is named by its base name.
  const { MODEL_PATH } = app.config;
  const withoutDirs = (message: string) => message.replaceAll(MODEL_PATH, path.basename(MODEL_PATH));

  app.post('/admin/reload', async (_req, reply) => {
    let model;
    try {
      model = await app.reloadModel();
    } catch (err) {
      if (!(err instanceof ModelLoadError)) throw err;
      // The file on disk is the problem, not the request; the previous model keeps serving.
      return reply.status(422).send(errorBody('model_rejected', `${withoutDirs(err.message)}; still serving the previous model`));
    }
    const { version, sha256 } = model.info;
    const others = await reloadOthers();
    const behind = others.filter((w) => !w.ok || w.sha256 !== sha256);
    if (behind.length > 0) {
      const why = behind.map((w) => `worker ${w.pid}: ${w.ok ? `loaded a different file (sha256 ${w.sha256.slice(0, 12)}…)` : withoutDirs(w.error)}`);
      return reply
        .status(500)
        .send(errorBody('reload_incomplete', `this worker serves ${version} (sha256 ${sha256.slice(0, 12)}…), but ${behind.length} of ${others.length + 1} did not: ${why.join('; ')}`));
    }
    return {
      status: 'reloaded',
      model: summaryOf(model.info),
      executionProvider: model.provider,
      workers: [process.pid, ...others.map((w) => w.pid)],
    };
  });
};

export default admin;
