// gRPC calls counted and timed in /metrics beside REST's http_requests_total, under the names go-grpc-prometheus made
// the convention (Grafana's gRPC dashboards read them): by service, method and status code.
import { Counter, Histogram, type Registry } from 'prom-client';
import { SECONDS } from '../metrics.js';

export function createGrpcMetrics(registry: Registry) {
  const registers = [registry];
  return {
    handled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed, by service, method and status code',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers,
    }),
    handling: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'gRPC call latency, from the request decoded to the answer sent',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: SECONDS,
      registers,
    }),
  };
}

export type GrpcMetrics = ReturnType<typeof createGrpcMetrics>;
