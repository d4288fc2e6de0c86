// `Authorization: Bearer <key>` on the routes of the calling plugin only (Fastify encapsulation), compared in constant
// time by @fastify/bearer-auth. Checked in onRequest, so an unauthenticated client cannot make us parse its body.
import bearerAuth from '@fastify/bearer-auth';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../errors.js';

export async function requireBearer(
  app: FastifyInstance,
  key: string,
  what: string,
  body: (message: string) => object = (message) => errorBody('unauthorized', message),
): Promise<void> {
  await app.register(bearerAuth, {
    keys: new Set([key]),
    specCompliance: 'rfc6749', // the scheme's name in any case ("bearer"), as RFC 7235 says; the key itself exactly
    verifyErrorLogLevel: 'info', // a client's mistake, not our error
    // The plugin's types expect { error: string }; it sends whatever we return, and we keep our one error shape.
    errorResponse: ((err: Error) => body(`${err.message}: send "Authorization: Bearer <${what}>"`)) as unknown as (err: Error) => {
      error: string;
    },
  });
  app.addHook('onSend', async (_req, reply) => {
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="lenet-service"');
  });
}
