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
  const response = responses[String(status)];
  if (!response) throw new Error(`openapi.yaml documents no ${status} for ${method.toUpperCase()} ${path}`);
  // Validate through a JSON pointer into the whole document, so that nested $refs resolve.
  const at = response.$ref ? response.$ref.slice(2).split('/') : ['paths', path, method, 'responses', String(status)];
  const pointer = [...at, 'content', 'application/json', 'schema'].map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  const validate = ajv.getSchema(`openapi#/${pointer}`);
  if (!validate) throw new Error(`openapi.yaml has no JSON schema at ${pointer}`);
  if (!validate(body))
    throw new Error(
      `${method.toUpperCase()} ${path} ${status} breaks the contract: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 300)}`,
    );
}
