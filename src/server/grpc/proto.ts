// The gRPC service definitions this service serves, loaded from proto/ at start (no generated code to keep in step):
// KServe's GRPCInferenceService (grpc_predict_v2.proto), Triton's repository calls beside it (model_repository.proto),
// and the standard grpc.health.v1 Health service as grpc-health-check ships it. The message types below are what
// @grpc/proto-loader hands the handlers with these options: field names as in the .proto, int64 as JS numbers (every one
// we read is a dimension, checked against small limits, so a value past 2^53 is refused however it rounds).
import path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { PROJECT_ROOT } from '../config.js';

export const PROTO_DIR = path.join(PROJECT_ROOT, 'proto');
export const INFERENCE_SERVICE = 'inference.GRPCInferenceService';
export const PROTO_OPTIONS: Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

function loadService(file: string): ServiceDefinition {
  return loadSync(path.join(PROTO_DIR, file), PROTO_OPTIONS)[INFERENCE_SERVICE] as ServiceDefinition;
}

export const inferenceService = loadService('grpc_predict_v2.proto');
export const repositoryService = loadService('model_repository.proto');
export { healthService };

/** InferParameter (and Triton's ModelRepositoryParameter): one of a bool, an int64 or a string. */
export interface InferParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'bytes_param';
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
}
export type Parameters = Record<string, InferParameter>;

/** The value a parameter holds, whichever kind it is; undefined when it is absent. */
export const parameterValue = (p: InferParameter | undefined): unknown =>
  p?.parameter_choice ? p[p.parameter_choice as keyof InferParameter] : undefined;

export interface InferTensorContents {
  bool_contents: boolean[];
  int_contents: number[];
  int64_contents: number[];
  uint_contents: number[];
  uint64_contents: number[];
  fp32_contents: number[];
  fp64_contents: number[];
  bytes_contents: Buffer[];
}

export interface ModelInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Parameters;
  inputs: Array<{ name: string; datatype: string; shape: number[]; parameters: Parameters; contents: InferTensorContents | null }>;
  outputs: Array<{ name: string; parameters: Parameters }>;
  raw_input_contents: Buffer[];
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: Array<{ name: string; datatype: string; shape: number[]; contents?: { fp32_contents: number[] } }>;
  raw_output_contents: Buffer[];
}

export interface ModelRef {
  name: string;
  version: string;
}

export interface RepositoryRequest {
  repository_name: string;
  model_name: string;
}
