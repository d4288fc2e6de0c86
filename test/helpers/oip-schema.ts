// Validates real /v2 responses against the Open Inference Protocol's own schemas (test/fixtures/open_inference_rest.yaml,
// copied from kserve/open-inference-protocol). OpenAPI 3.0 schemas: plain JSON Schema for what they use here.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';

const spec = parse(readFileSync('test/fixtures/open_inference_rest.yaml', 'utf8'));
// Triton's binary tensor data extension sends an output's bytes after the JSON, so its JSON header has
// parameters.binary_data_size where the core protocol requires "data": the same schemas with that one requirement off.
const binary = structuredClone(spec);
binary.components.schemas.response_output.required = ['name', 'shape', 'datatype'];

const ajv = new Ajv.default({ strict: false });
ajv.addSchema({ ...spec, $id: 'oip' });
ajv.addSchema({ ...binary, $id: 'oip-binary' });

export type OipSchema =
  | 'metadata_server_response'
  | 'metadata_model_response'
  | 'inference_request'
  | 'inference_response'
  | 'inference_error_response'
  | 'metadata_model_error_response';

/** Asserts that `body` fits the named schema of the OIP spec (`binaryHeader`: a binary response's JSON header). */
export function assertOip(schema: OipSchema, body: unknown, { binaryHeader = false } = {}): void {
  const validate = ajv.getSchema(`${binaryHeader ? 'oip-binary' : 'oip'}#/components/schemas/${schema}`);
  if (!validate) throw new Error(`the OIP spec has no schema ${schema}`);
  if (!validate(body))
    throw new Error(`breaks the OIP schema ${schema}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 300)}`);
}
