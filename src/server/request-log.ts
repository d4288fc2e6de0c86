// One JSON line per request, at info, when it is answered. Fastify's default also writes an "incoming request" line
// before it: twice the log volume and less throughput (docs/performance.md), for nothing the answered line does not
// say but that a request is in flight, which the request timeout bounds. A LogController changes just these two lines; the older disableRequestLogging option
// is deprecated (a warning at every start) and silenced Fastify's error lines too.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    // Fastify's serializers turn req into method, url, host and remote address, and res into its status code.
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
