// GET /: the draw-a-digit page, plain static files (no build step).
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { PROJECT_ROOT } from '../config.js';

const page: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: path.join(PROJECT_ROOT, 'public'), index: 'index.html' });
};

export default page;
