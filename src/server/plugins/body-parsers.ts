// Request bodies: an image as the raw body (image/png, image/jpeg, image/webp, ...), or multipart/form-data. Nothing
// else is parsed: a JSON or text body is refused with 415 before it is read (4 MB of nested JSON held the event loop for
// up to a second on any route). A route that wants JSON parses it itself, with its own depth and size bounds (/v2).
import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    app.removeContentTypeParser(['application/json', 'text/plain']);
    // Parameters are allowed (image/png; charset=utf-8 is meaningless but harmless, and some clients send it).
    app.addContentTypeParser(/^image\/[\w.+-]+\s*(;.*)?$/i, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    await app.register(multipart, {
      // files: 2 so that a second file reaches the route and gets a clear error rather than being dropped.
      limits: { fileSize: app.config.BODY_LIMIT_BYTES, files: 2, fields: 10, parts: 12 },
    });
  },
  { name: 'body-parsers' },
);
