// grpc.health.v1.Health (the service definition grpc-health-check ships; Kubernetes' gRPC probes, grpc_health_probe and
// load balancers call it): SERVING for the whole server ("") and for inference.GRPCInferenceService while the app is
// ready, NOT_SERVING while it starts or drains. The handlers are ours rather than the package's HealthImplementation:
// a Watch stream there never ends, so a graceful shutdown would wait on it until the deadline; here a drain tells every
// watcher NOT_SERVING and then ends its stream.
import { status, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';
import { INFERENCE_SERVICE } from './proto.js';

type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
const SERVICES = ['', INFERENCE_SERVICE];

export function healthHandlers(serving: () => boolean) {
  const watchers = new Set<ServerWritableStream<{ service: string }, { status: ServingStatus }>>();
  const statusOf = (service: string): ServingStatus | undefined =>
    SERVICES.includes(service) ? (serving() ? 'SERVING' : 'NOT_SERVING') : undefined;

  return {
    handlers: {
      Check({ request }: ServerUnaryCall<{ service: string }, unknown>, callback: sendUnaryData<{ status: ServingStatus }>) {
        const current = statusOf(request.service);
        if (current) callback(null, { status: current });
        else
          callback({
            code: status.NOT_FOUND,
            details: `no health status for service "${request.service.slice(0, 80)}"; ask for "" or "${INFERENCE_SERVICE}"`,
          });
      },
      Watch(call: ServerWritableStream<{ service: string }, { status: ServingStatus }>) {
        call.write({ status: statusOf(call.request.service) ?? 'SERVICE_UNKNOWN' });
        watchers.add(call);
        call.on('cancelled', () => watchers.delete(call));
      },
      List(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<{ statuses: Record<string, { status: ServingStatus }> }>) {
        callback(null, { statuses: Object.fromEntries(SERVICES.map((s) => [s, { status: statusOf(s)! }])) });
      },
    },
    /** The server stops serving: every watcher hears it, and its stream ends (OK) so that nothing holds the drain. */
    draining(): void {
      for (const call of watchers) {
        call.write({ status: statusOf(call.request.service) ? 'NOT_SERVING' : 'SERVICE_UNKNOWN' });
        call.end();
      }
      watchers.clear();
    },
  };
}
