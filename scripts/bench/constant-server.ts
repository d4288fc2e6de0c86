// The ceiling for `npm run bench:serve`: a bare Fastify route answering a constant, with the service's logging level.
import Fastify from 'fastify';

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
app.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
const answer = { digit: 7, confidence: 1, probabilities: [0, 0, 0, 0, 0, 0, 0, 1, 0, 0] };
app.post('/predict', async () => answer);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
