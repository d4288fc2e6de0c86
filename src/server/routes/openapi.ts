// GET /openapi.yaml: the HTTP contract, served as written.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { PROJECT_ROOT } from '../config.js';

export const OPENAPI_PATH = path.join(PROJECT_ROOT, 'openapi.yaml');

const openapi: FastifyPluginAsync = async (app) => {
  const spec = await readFile(OPENAPI_PATH, 'utf8');
  app.get('/openapi.yaml', async (_req, reply) => reply.type('application/yaml').send(spec));
};

export default openapi;
