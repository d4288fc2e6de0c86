// Liveness never depends on the model; readiness says which model and which execution provider really serve.
import type { FastifyPluginAsync } from 'fastify';
import { summaryOf } from '../model-slot.js';

const health: FastifyPluginAsync = async (app) => {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const { state } = app.lifecycle;
    if (state !== 'ready') return reply.status(503).send({ status: state });
    const { info, provider } = app.modelSlot.current;
    return { status: 'ready', model: { ...summaryOf(info), inputs: info.inputs, outputs: info.outputs }, executionProvider: provider };
  });
};

export default health;
