// Liveness never depends on the model; readiness says which model and which execution provider really serve, and which
// reader POST /read uses (with the line model, or why not).
import type { FastifyPluginAsync } from 'fastify';
import { summaryOf } from '../model-slot.js';

const health: FastifyPluginAsync = async (app) => {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    const { state } = app.lifecycle;
    if (state !== 'ready') return reply.status(503).send({ status: state });
    const { info, provider } = app.modelSlot.current;
    const { reader, reason, line } = app.lineReader;
    const lineModel = line && {
      ...summaryOf(line.slot.current.info),
      executionProvider: line.slot.current.provider,
      temperature: line.temperature,
      agreement: line.agreementWith(info.sha256) ?? null,
    };
    return {
      status: 'ready',
      model: { ...summaryOf(info), inputs: info.inputs, outputs: info.outputs },
      executionProvider: provider,
      read: { reader, ...(lineModel ? { lineModel } : {}), ...(reason ? { reason } : {}) },
    };
  });
};

export default health;
