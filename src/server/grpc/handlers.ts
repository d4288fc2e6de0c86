// The handlers of inference.GRPCInferenceService: OIP's health, metadata and inference, and Triton's repository load
// and unload, each answering what its REST twin under /v2 (or /admin/reload) answers, through the same functions.
import { status, type Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import type { LoadedModel } from '../model.js';
import { BINARY_EXTENSION, inputMetadata, outputMetadata, PLATFORM, SERVER, servedModel } from '../oip/contract.js';
import { runInference, type PredictAll } from '../oip/infer.js';
import type { ReloadOutcome } from '../reload-everywhere.js';
import { bearerCheck } from './auth.js';
import type { ModelInferRequest, ModelInferResponse, ModelRef, RepositoryRequest } from './proto.js';
import { GrpcError } from './status.js';
import { encodeModelInferResponse, parseModelInferRequest } from './tensors.js';

/** What the handlers need of the app. */
export interface GrpcServices {
  model(): LoadedModel;
  /** Ready: started, and not draining (what ServerReady, ModelReady and the health service say). */
  ready(): boolean;
  /** Still loading: ModelInfer is refused until it is ready. A drain is not refused here: it lets the calls the server
   * has taken finish (tryShutdown refuses new ones, at the transport, and the client's library reports UNAVAILABLE). */
  starting(): boolean;
  infer: PredictAll;
  maxBatch: number;
  apiKey?: string;
  adminToken?: string;
  reload(): Promise<ReloadOutcome>;
}

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res;

/** Every RPC by name (as the .proto spells it) → a function of its call; transport concerns are the server's (server.ts). */
export function inferenceHandlers(services: GrpcServices) {
  const needsApiKey = services.apiKey ? bearerCheck(services.apiKey, 'API_KEY') : () => {};
  const needsAdmin = services.adminToken ? bearerCheck(services.adminToken, 'ADMIN_TOKEN') : undefined;
  /** An empty version in a request means "whichever it serves" (proto3 cannot tell empty from absent). */
  const served = ({ name, version }: ModelRef) => servedModel(services.model(), name, version || undefined);

  function repository(metadata: Metadata, request: RepositoryRequest): void {
    if (!needsAdmin)
      throw new GrpcError(
        status.UNIMPLEMENTED,
        'model repository calls are off: set ADMIN_TOKEN to reload the model with RepositoryModelLoad',
      );
    needsAdmin(metadata);
    served({ name: request.model_name, version: '' });
  }

  return {
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: services.ready() }),
    ModelReady: ({ request }: ServerUnaryCall<ModelRef, unknown>) => {
      served(request);
      return { ready: services.ready() };
    },
    ServerMetadata: () => ({ ...SERVER, extensions: [BINARY_EXTENSION] }),
    ModelMetadata: ({ request }: ServerUnaryCall<ModelRef, unknown>) => {
      const { name, version } = served(request).info;
      return { name, versions: [version], platform: PLATFORM, inputs: inputMetadata(), outputs: outputMetadata() };
    },
    ModelInfer: async ({ request, metadata }: ServerUnaryCall<ModelInferRequest, ModelInferResponse>): Promise<ModelInferResponse> => {
      needsApiKey(metadata);
      if (services.starting()) throw new GrpcError(status.UNAVAILABLE, 'the server is starting: retry shortly');
      served({ name: request.model_name, version: request.model_version });
      const parsed = parseModelInferRequest(request, { maxBatch: services.maxBatch });
      const { probabilities, model } = await runInference(services.infer, parsed.images, parsed.n);
      return encodeModelInferResponse({
        modelName: model.name,
        modelVersion: model.version,
        id: parsed.id,
        outputs: parsed.outputs,
        probabilities,
        n: parsed.n,
      });
    },
    RepositoryModelLoad: async ({ request, metadata }: ServerUnaryCall<RepositoryRequest, unknown>) => {
      repository(metadata, request);
      const outcome = await services.reload();
      if (!outcome.ok) throw new GrpcError(outcome.why === 'rejected' ? status.FAILED_PRECONDITION : status.INTERNAL, outcome.message);
      return {};
    },
    RepositoryModelUnload: ({ request, metadata }: ServerUnaryCall<RepositoryRequest, unknown>) => {
      repository(metadata, request);
      throw new GrpcError(
        status.FAILED_PRECONDITION,
        'this server always serves its one model and does not unload it; RepositoryModelLoad reloads it from MODEL_PATH',
      );
    },
  } satisfies Record<string, Handler<never, unknown>>;
}
