// GET /docs: the HTTP contract (openapi.yaml, the same file GET /openapi.yaml serves) rendered by Swagger UI, whose
// scripts and styles @fastify/swagger-ui serves from its own package: nothing is fetched from the internet.
import { readFile } from 'node:fs/promises';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { parse } from 'yaml';
import { OPENAPI_PATH } from './openapi.js';

const docs: FastifyPluginAsync = async (app) => {
  // The parsed document, not `specification.path`: a path makes swagger-ui serve every file of its folder (here the
  // project root) for external $refs.
  const document = parse(await readFile(OPENAPI_PATH, 'utf8'));
  await app.register(swagger, { mode: 'static', specification: { document } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, defaultModelsExpandDepth: 0 },
    staticCSP: true,
  });
};

export default docs;
