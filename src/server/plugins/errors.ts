// One error shape for everything: { error: { code, message } }. Client mistakes are 4xx; only our bugs are 500.
import fp from 'fastify-plugin';
import { errorBody, toHttpError } from '../errors.js';

export default fp(async (app) => {
  app.setErrorHandler((err, req, reply) => {
    const http = toHttpError(err, app.config.BODY_LIMIT_BYTES);
    if (http.statusCode >= 500 && http.statusCode !== 503) req.log.error({ err }, 'unhandled error');
    else req.log.info({ code: http.code, status: http.statusCode }, http.message);
    if (http.cause !== undefined) req.log.debug({ code: http.code, cause: String((http.cause as Error).message ?? http.cause) }, 'what the library said');
    // Overload is temporary: tell clients and load balancers when to come back rather than letting them hammer us.
    if (http.statusCode === 503) reply.header('retry-after', '1');
    return reply.status(http.statusCode).send(errorBody(http.code, http.message));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody('not_found', `no route for ${req.method} ${req.url.split('?')[0]}; GET /openapi.yaml lists the routes`)),
  );
});
