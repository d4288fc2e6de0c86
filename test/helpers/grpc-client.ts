// A real gRPC client of the service (@grpc/grpc-js with the vendored .proto files, as any user's would be): the OIP's
// GRPCInferenceService, Triton's repository calls and grpc.health.v1, each call a promise of its answer or its error.
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';

const OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };
type Constructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client;
const clientOf = (file: string, name: string): Constructor => {
  let at: unknown = grpc.loadPackageDefinition(loadSync(file, OPTIONS));
  for (const part of name.split('.')) at = (at as Record<string, unknown>)[part];
  return at as Constructor;
};
const Inference = clientOf('proto/grpc_predict_v2.proto', 'inference.GRPCInferenceService');
const Repository = clientOf('proto/model_repository.proto', 'inference.GRPCInferenceService');
const Health = clientOf(healthProto, 'grpc.health.v1.Health');

export type GrpcError = grpc.ServiceError;

export interface CallOptions {
  /** Call metadata, e.g. { authorization: 'Bearer …' }. */
  metadata?: Record<string, string>;
  deadlineMs?: number;
}

export interface OipGrpcClient {
  /** Any unary RPC of the three services by its name in the .proto. */
  call<Res = Record<string, unknown>>(method: string, request: object, opts?: CallOptions): Promise<Res>;
  /** grpc.health.v1.Health/Watch: a stream of statuses. */
  watch(service: string): grpc.ClientReadableStream<{ status: string }>;
  close(): void;
}

export function grpcClient(address: string, options: grpc.ClientOptions = {}): OipGrpcClient {
  const credentials = grpc.credentials.createInsecure();
  const clients = [
    new Inference(address, credentials, options),
    new Repository(address, credentials, options),
    new Health(address, credentials, options),
  ];
  const methods = (client: grpc.Client) =>
    client as unknown as Record<string, (...args: unknown[]) => grpc.ClientReadableStream<{ status: string }>>;
  return {
    call<Res>(method: string, request: object, opts: CallOptions = {}) {
      const client = clients.find((c) => method in c);
      if (!client) throw new Error(`no RPC named ${method}`);
      const metadata = new grpc.Metadata();
      for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata.set(k, v);
      const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
      return new Promise<Res>((resolve, reject) =>
        methods(client)[method](request, metadata, { deadline }, (err: grpc.ServiceError | null, res: Res) =>
          err ? reject(err) : resolve(res),
        ),
      );
    },
    watch: (service) => methods(clients[2]).Watch({ service }),
    close: () => clients.forEach((c) => c.close()),
  };
}

/** The error a call failed with (its code and details), or a failed assertion if it succeeded. */
export async function grpcFailure(promise: Promise<unknown>): Promise<GrpcError> {
  try {
    await promise;
  } catch (err) {
    return err as GrpcError;
  }
  throw new Error('the call succeeded; expected an error');
}

/** FP32 tensor bytes as raw_input_contents wants them (little-endian, as every platform Node runs on here). */
export const rawOf = (floats: Float32Array) => Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
export const floatsOf = (raw: Buffer) => new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
export { grpc };
