// GET /: the draw-a-digit page, plain static files (no build step), with the headers that keep it from being framed,
// sniffed or made to run anything but its own scripts.
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { PROJECT_ROOT } from '../config.js';

/** Its own scripts, styles and API only; the digits' debug pictures are data: URLs, an uploaded picture a blob: URL. */
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const page: FastifyPluginAsync = async (app) => {
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff');
  });
  await app.register(fastifyStatic, { root: path.join(PROJECT_ROOT, 'public'), index: 'index.html' });
};

export default page;
