// gRPC's listening address and its one start-up error, apart from the server (a cluster's primary throws it without
// loading the server).
import { ConfigError } from '../config.js';

/** host:port as gRPC names an address to listen on (an IPv6 host in brackets). */
export const grpcAddress = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** GRPC_PORT could not be listened on (in use, say): the service cannot start as configured. */
export class GrpcListenError extends ConfigError {
  constructor(host: string, port: number, cause: Error) {
    // grpc-js wraps the listen error in its own words ("No address added out of total 1 resolved errors: […]").
    super(
      /EADDRINUSE/.test(cause.message)
        ? `GRPC_PORT ${port} on ${host} is already in use (another lenet-service?); stop it, or set GRPC_PORT (0 turns gRPC off)`
        : `cannot listen for gRPC on ${grpcAddress(host, port)} (GRPC_PORT; 0 turns gRPC off): ${cause.message}`,
    );
  }
}
