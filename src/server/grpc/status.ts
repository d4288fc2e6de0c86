// Errors as gRPC status codes, with messages in our words: the one place where an error gets its code. OIP's HTTP
// statuses map to the codes Triton and KServe answer with; a full queue is RESOURCE_EXHAUSTED (REST: 503), anything
// unforeseen is INTERNAL with no detail (the log has it).
import { status, type StatusObject } from '@grpc/grpc-js';
import { QueueFullError } from '../../imaging/errors.js';
import { OipError } from '../oip/contract.js';

export class GrpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

const FROM_HTTP: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  404: status.NOT_FOUND,
  503: status.UNAVAILABLE,
};

export function toGrpcStatus(err: unknown): Pick<StatusObject, 'code' | 'details'> {
  if (err instanceof GrpcError) return { code: err.code, details: err.message };
  if (err instanceof OipError) return { code: FROM_HTTP[err.statusCode] ?? status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof QueueFullError) return { code: status.RESOURCE_EXHAUSTED, details: `${err.message}; retry shortly` };
  return { code: status.INTERNAL, details: 'internal error' };
}

/** A status code's name as gRPC's own tools print it ("INVALID_ARGUMENT"), for logs and metric labels. */
export const codeName = (code: status): string => status[code] ?? String(code);
