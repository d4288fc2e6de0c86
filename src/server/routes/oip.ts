// The Open Inference Protocol v2 (KServe, Triton, MLServer) beside our own API, under /v2: server and model metadata,
// health, and inference through the same batcher and model as /predict. Errors are OIP's {"error": "<message>"}.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { toHttpError } from '../plugins/errors.js';
import type { LoadedModel } from '../model.js';
import { BINARY_EXTENSION, inputMetadata, OipError, outputMetadata, PLATFORM, SERVER, servedModel } from '../oip/contract.js';
import { runInference } from '../oip/infer.js';
import { encodeInferResponse, parseInferRequest } from '../oip/tensors.js';
import { requireBearer } from '../plugins/require-bearer.js';

/** The app's services this protocol uses, named in this one place so that renaming them touches only this function. */
function services(app: FastifyInstance) {
  return {
    model: (): LoadedModel => app.modelSlot.current,
    ready: (): boolean => app.lifecycle.state === 'ready',
    infer: (images: readonly Float32Array[]) => app.inference.predictAll(images),
    maxBatch: app.config.BATCH_MAX_SIZE,
    apiKey: app.config.API_KEY,
  };
}

interface ModelParams {
  name: string;
  version?: string;
}

const MODEL_PATHS = ['/models/:name', '/models/:name/versions/:version'];
const oipError = (message: string) => ({ error: message });

const oip: FastifyPluginAsync = async (app) => {
  const service = services(app);

  app.setErrorHandler((err, req, reply) => {
    const { statusCode, message } = err instanceof OipError ? err : toHttpError(err, app.config.BODY_LIMIT_BYTES);
    if (statusCode >= 500 && statusCode !== 503) req.log.error({ err }, 'unhandled error');
    else req.log.info({ status: statusCode }, message);
    if (statusCode === 503) reply.header('retry-after', '1');
    return reply.status(statusCode).send(oipError(message));
  });
  // A route rather than a not-found handler: the page's static files answer every other GET path of the app. It answers
  // as soon as the headers are in, before any body is read.
  const noRoute = async (req: FastifyRequest, reply: FastifyReply) =>
    reply.status(404).send(oipError(`no route for ${req.method} ${req.url.split('?')[0]}`));
  app.all('/*', { onRequest: noRoute }, noRoute);

  /** The served model, if the URL names it (and its version, when it names one); 404 otherwise. */
  const served = ({ name, version }: ModelParams): LoadedModel => servedModel(service.model(), name, version);

  app.get('/', async () => ({ ...SERVER, extensions: [BINARY_EXTENSION] }));
  app.get('/health/live', async () => ({ live: true }));
  app.get('/health/ready', async (_req, reply) => reply.status(service.ready() ? 200 : 503).send({ ready: service.ready() }));

  for (const url of MODEL_PATHS) {
    app.get<{ Params: ModelParams }>(url, async (req) => {
      const { name, version } = served(req.params).info;
      return { name, versions: [version], platform: PLATFORM, inputs: inputMetadata(), outputs: outputMetadata() };
    });
    app.get<{ Params: ModelParams }>(`${url}/ready`, async (req, reply) => {
      const { name } = served(req.params).info;
      return reply.status(service.ready() ? 200 : 503).send({ name, ready: service.ready() });
    });
  }

  // Inference, in its own context so that the API key guards it alone (as it guards /predict, not the health routes).
  await app.register(async (inferScope) => {
    if (service.apiKey) await requireBearer(inferScope, service.apiKey, 'API_KEY', oipError);
    // The body as bytes whatever its type: JSON alone, or a JSON header followed by binary tensors. Scoped to these
    // routes, so /predict's parsers are untouched.
    inferScope.removeAllContentTypeParsers();
    inferScope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    for (const url of MODEL_PATHS) {
      inferScope.post<{ Params: ModelParams }>(`${url}/infer`, async (req, reply) => {
        served(req.params);
        if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new OipError(400, 'send the inference request as the body');
        const request = parseInferRequest(req.body, req.headers['inference-header-content-length'], { maxBatch: service.maxBatch });
        const { n, images } = request;
        // A full queue becomes 503 with Retry-After in the error handler above, through the service's one mapping.
        const {
          probabilities,
          model: { name, version },
        } = await runInference(service.infer, images, n);
        const encoded = encodeInferResponse({
          modelName: name,
          modelVersion: version,
          id: request.id,
          outputs: request.outputs,
          probabilities,
          n,
        });
        if ('json' in encoded) return encoded.json;
        return reply.type('application/octet-stream').header('inference-header-content-length', encoded.headerLength).send(encoded.body);
      });
    }
  });
};

export default oip;
