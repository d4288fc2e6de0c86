// The whole app built once for a test file (the committed model, silent logs), driven with app.inject, closed after.
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';

/** Call at the top of a test file; the function it returns gives the app inside tests. */
export function appForTests(): () => FastifyInstance {
  let app: FastifyInstance | undefined;
  before(async () => {
    app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { logger: false });
    await app.ready();
  });
  after(() => app?.close());
  return () => app!;
}
