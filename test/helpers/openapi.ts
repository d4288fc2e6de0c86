// Validates real responses against the schemas in openapi.yaml (OpenAPI 3.1 = JSON Schema 2020-12).
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../src/server/routes/openapi.js';

const spec = parse(readFileSync(OPENAPI_PATH, 'utf8'));
const ajv = new Ajv2020.default({ strict: false });
ajv.addSchema({ ...spec, $id: 'openapi' });

/** Asserts that `body` fits the response schema documented for path/method/status. */
export function assertMatchesContract(path: string, method: string, status: number, body: unknown): void {
  const responses = spec.paths[path]?.[method]?.responses;
  if (!responses) throw new Error(`openapi.yaml documents no ${method.toUpperCase()} ${path}`);
  let response = responses[String(status)];
  if (!response) throw new Error(`openapi.yaml documents no ${status} for ${method.toUpperCase()} ${path}`);
  if (response.$ref) response = spec.components.responses[response.$ref.split('/').pop()];
  const schema = response.content['application/json'].schema;
  const validate = ajv.compile({ $ref: schema.$ref ? `openapi${schema.$ref}` : undefined, ...(!schema.$ref ? schema : {}) });
  if (!validate(body)) throw new Error(`${method.toUpperCase()} ${path} ${status} breaks the contract: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 300)}`);
}
