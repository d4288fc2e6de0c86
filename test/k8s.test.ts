// deploy/k8s checked offline: every manifest parses, the rendered base and overlays validate against the Kubernetes
// schemas (kubernetes-models), and what they say about the app is true of the app: probe paths answer 200 on a started
// app, ports, env names and values pass the app's own config, the grace period covers the drain, the image is the
// Dockerfile's, the security settings match its user.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Pod, Service } from 'kubernetes-models/v1';
import { buildApp } from '../src/server/app.js';
import { ConfigSchema, loadConfig } from '../src/server/config.js';
import { grpcClient } from './helpers/grpc-client.js';
import { loadDocuments, render, type K8sObject } from './helpers/kustomize.js';

const ROOT = 'deploy/k8s';
const OVERLAYS = ['base', 'overlays/cpu', 'overlays/gpu'];
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const dockerfile = readFileSync('Dockerfile', 'utf8');

interface Probe {
  httpGet?: { path: string; port: number | string };
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
}

const VALIDATORS: Record<string, new (o: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function validate(o: K8sObject): void {
  const Model = VALIDATORS[`${o.apiVersion}/${o.kind}`];
  assert.ok(Model, `no schema for ${o.apiVersion} ${o.kind}`);
  new Model(o as never).validate();
}

function find<Spec = Record<string, unknown>>(objects: K8sObject[], kind: string): K8sObject & { spec: Spec } {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as K8sObject & { spec: Spec };
}
const podSpecOf = (deployment: K8sObject) => (deployment.spec as { template: { spec: PodSpec } }).template.spec;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
const probes = (c: Container) => [c.startupProbe, c.livenessProbe, c.readinessProbe].filter((p): p is Probe => p !== undefined);
/** A container port named or numbered as a probe or Service refers to it. */
const portOf = (c: Container, ref: number | string) =>
  typeof ref === 'number' ? ref : c.ports?.find((p) => p.name === ref)?.containerPort;
const preStopSeconds = (c: Container) => {
  const preStop = c.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
};

let app: FastifyInstance;
before(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { logger: false });
  await app.ready();
});
after(() => app.close());

/** The container's config as the app reads it: its env values through the app's own validation. */
function assertConfigAccepted(c: Container): ReturnType<typeof loadConfig> {
  for (const { name } of c.env ?? []) assert.ok(name in ConfigSchema.shape, `env ${name} is not a setting of src/server/config.ts`);
  return loadConfig(envOf(c));
}

/** The app's port a container port number is: PORT (HTTP) or GRPC_PORT (the OIP over gRPC). */
const appPort = (config: ReturnType<typeof loadConfig>, port: number | undefined) =>
  port === config.PORT ? 'http' : port === config.GRPC_PORT && config.GRPC_PORT > 0 ? 'grpc' : undefined;

async function assertMatchesApp(c: Container, where: string, ports: Array<'http' | 'grpc'> = ['http', 'grpc']): Promise<void> {
  const config = assertConfigAccepted(c);
  assert.deepEqual(
    c.ports?.map((p) => appPort(config, p.containerPort)),
    ports,
    `${where}: the container ports are ${ports} (PORT, GRPC_PORT)`,
  );
  for (const p of c.ports!) {
    if (appPort(config, p.containerPort) === 'grpc')
      assert.match(p.name ?? '', /^(grpc|h2c)/, `${where}: a gRPC port's name says so (Istio, Knative)`);
  }
  assert.match(dockerfile, new RegExp(`^EXPOSE ${config.PORT}$`, 'm'));
  assert.match(dockerfile, new RegExp(`^EXPOSE ${config.GRPC_PORT}$`, 'm'));
  assert.ok(probes(c).length >= 2, `${where}: probes`);
  for (const probe of probes(c)) {
    assert.ok(probe.httpGet, `${where}: HTTP probes`);
    assert.equal(portOf(c, probe.httpGet.port), config.PORT, `${where}: probe port ${probe.httpGet.port}`);
    const res = await app.inject(probe.httpGet.path);
    assert.equal(res.statusCode, 200, `${where}: probe ${probe.httpGet.path} answers ${res.statusCode} on a started app`);
  }
  // The image is the one the Dockerfile documents building, at the package's version.
  const documented = /docker build -t ([\w./-]+) \./.exec(dockerfile)![1];
  assert.equal(c.image, `${documented}:${pkg.version}`, `${where}: image`);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where}: read-only root filesystem`);
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
}

describe('deploy/k8s manifests', () => {
  it('every file parses as YAML with no duplicate keys', () => {
    const files = readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 10, files.join(' '));
    for (const file of files) assert.ok(loadDocuments(path.join(ROOT, file)).length >= 1, file);
  });

  for (const overlay of OVERLAYS) {
    describe(overlay, () => {
      const objects = render(path.join(ROOT, overlay));

      it('renders a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget that validate against the Kubernetes schemas', () => {
        assert.deepEqual(objects.map((o) => o.kind).sort(), ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
        for (const o of objects) validate(o);
      });

      it('probes, port, env, image and security match the app and its Dockerfile', async () => {
        const deployment = find(objects, 'Deployment');
        const pod = podSpecOf(deployment);
        assert.equal(pod.containers.length, 1);
        const [c] = pod.containers;
        await assertMatchesApp(c, overlay);
        assert.equal(c.livenessProbe?.httpGet?.path, '/health', 'liveness never depends on the model');
        assert.equal(c.readinessProbe?.httpGet?.path, '/health/ready', 'readiness turns 503 while draining');
        assert.ok((c.readinessProbe?.failureThreshold ?? 3) >= 2, 'one slow answer does not take the pod out of the endpoints');
        const uid = Number(/useradd[^\n]*--uid (\d+)/.exec(dockerfile)![1]);
        assert.equal(pod.securityContext?.runAsNonRoot, true);
        assert.equal(pod.securityContext?.runAsUser, uid, "the Dockerfile's user");
        assert.ok(c.resources?.requests?.cpu && c.resources?.limits?.memory, 'resources');
      });

      it('the grace period covers the preStop pause and the drain (SHUTDOWN_TIMEOUT_MS)', () => {
        const pod = podSpecOf(find(objects, 'Deployment'));
        const [c] = pod.containers;
        const { SHUTDOWN_TIMEOUT_MS } = loadConfig(envOf(c));
        assert.ok(preStopSeconds(c) >= 3, 'a preStop pause so that endpoints drop the pod before the drain');
        assert.ok(
          pod.terminationGracePeriodSeconds! > preStopSeconds(c) + SHUTDOWN_TIMEOUT_MS / 1000,
          `grace ${pod.terminationGracePeriodSeconds} s`,
        );
      });

      it('the Service, HPA and PDB point at the Deployment and its pods', () => {
        const deployment = find(objects, 'Deployment');
        const labels = find<{ template: { metadata: { labels: Record<string, string> } } }>(objects, 'Deployment').spec.template.metadata
          .labels;
        const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
        const service = find<{ selector: Record<string, string>; ports: Array<{ targetPort: string | number }> }>(objects, 'Service');
        assert.ok(matches(service.spec.selector));
        const [c] = podSpecOf(deployment).containers;
        const config = loadConfig(envOf(c));
        assert.deepEqual(
          service.spec.ports.map((port) => appPort(config, portOf(c, port.targetPort))),
          ['http', 'grpc'],
          'the Service serves HTTP and gRPC',
        );
        assert.ok(
          matches(find<{ selector: { matchLabels: Record<string, string> } }>(objects, 'PodDisruptionBudget').spec.selector.matchLabels),
        );
        const hpa = find<{ scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number }>(
          objects,
          'HorizontalPodAutoscaler',
        ).spec;
        assert.deepEqual(
          { kind: hpa.scaleTargetRef.kind, name: hpa.scaleTargetRef.name },
          { kind: 'Deployment', name: deployment.metadata.name },
        );
        assert.ok(hpa.minReplicas >= 1 && hpa.maxReplicas > hpa.minReplicas);
      });
    });
  }

  it('cpu overlay: the CPU provider, one process per CPU of the quota, scaled on CPU', () => {
    const objects = render(`${ROOT}/overlays/cpu`);
    const [c] = podSpecOf(find(objects, 'Deployment')).containers;
    const config = loadConfig(envOf(c));
    assert.equal(config.EXECUTION_PROVIDER, 'cpu');
    assert.equal(config.WORKERS, Number(c.resources?.limits?.cpu));
    assert.equal(c.resources?.requests?.cpu, c.resources?.limits?.cpu, 'a guaranteed quota');
    const metrics = find<{ metrics: Array<{ resource?: { name: string } }> }>(objects, 'HorizontalPodAutoscaler').spec.metrics;
    assert.deepEqual(
      metrics.map((m) => m.resource?.name),
      ['cpu'],
    );
  });

  it('gpu overlay: one GPU, CUDA or refuse to start, one process, scaled on the queue depth the app exports', async () => {
    const objects = render(`${ROOT}/overlays/gpu`);
    const pod = podSpecOf(find(objects, 'Deployment')) as PodSpec & { tolerations?: Array<{ key: string }> };
    const [c] = pod.containers;
    const config = loadConfig(envOf(c));
    assert.equal(config.EXECUTION_PROVIDER, 'cuda');
    assert.equal(config.WORKERS, 1);
    assert.equal(c.resources?.limits?.['nvidia.com/gpu'], 1);
    assert.ok(pod.tolerations?.some((t) => t.key === 'nvidia.com/gpu'));
    const metrics = find<{ metrics: Array<{ pods?: { metric: { name: string } } }> }>(objects, 'HorizontalPodAutoscaler').spec.metrics;
    const names = metrics.map((m) => m.pods?.metric.name);
    assert.deepEqual(names, ['lenet_queue_depth']);
    const exported = await app.inject('/metrics');
    assert.match(exported.body, /^# TYPE lenet_queue_depth gauge$/m, 'the metric the HPA scales on is one /metrics exports');
  });

  it('KServe: an InferenceService on our image as a ServingRuntime speaking the Open Inference Protocol v2', async () => {
    const [runtime] = loadDocuments(`${ROOT}/kserve/servingruntime.yaml`) as Array<
      K8sObject & {
        spec: { containers: Container[]; protocolVersions: string[]; supportedModelFormats: Array<{ name: string; version: string }> };
      }
    >;
    const [isvc] = loadDocuments(`${ROOT}/kserve/inferenceservice.yaml`) as Array<
      K8sObject & {
        spec: { predictor: { model: { modelFormat: { name: string; version: string }; runtime: string; protocolVersion: string } } };
      }
    >;
    assert.equal(runtime.apiVersion, 'serving.kserve.io/v1alpha1');
    assert.equal(runtime.kind, 'ServingRuntime');
    assert.equal(isvc.apiVersion, 'serving.kserve.io/v1beta1');
    assert.equal(isvc.kind, 'InferenceService');
    const { model } = isvc.spec.predictor;
    assert.equal(model.protocolVersion, 'v2');
    assert.ok(runtime.spec.protocolVersions.includes('v2'));
    assert.equal(model.runtime, runtime.metadata.name);
    assert.ok(runtime.spec.supportedModelFormats.some((f) => f.name === model.modelFormat.name && f.version === model.modelFormat.version));
    // The runtime's container is a core/v1 Container: validated as one inside a Pod.
    assert.equal(runtime.spec.containers.length, 1);
    const [c] = runtime.spec.containers;
    assert.equal(c.name, 'kserve-container', "KServe's name for the serving container");
    assert.equal(c.ports?.[0].name, 'http1', 'Knative reads the protocol from the port name: the service speaks HTTP/1.1');
    new Pod({ metadata: { name: 'kserve-runtime' }, spec: { containers: runtime.spec.containers as never } }).validate();
    await assertMatchesApp(c, 'kserve', ['http']); // Knative routes one port: HTTP here, gRPC where an InferenceService names it
    for (const probe of probes(c)) assert.match(probe.httpGet!.path, /^\/v2\/health\//, 'the OIP health routes');
    // Clients reach the model by the name the app serves it under.
    const served = app.modelSlot.current.info.name;
    assert.match(readFileSync(`${ROOT}/kserve/inferenceservice.yaml`, 'utf8'), new RegExp(`/v2/models/${served}/infer`));
    assert.equal((await app.inject(`/v2/models/${served}/ready`)).statusCode, 200);
  });

  it("KServe over gRPC: an InferenceService naming the runtime's GRPC_PORT as h2c, where the app answers the OIP's gRPC health and metadata", async () => {
    const [runtime] = loadDocuments(`${ROOT}/kserve/servingruntime.yaml`) as Array<
      K8sObject & { spec: { containers: Container[]; protocolVersions: string[] } }
    >;
    type Predictor = {
      model: { runtime: string; protocolVersion: string; ports: Array<{ name: string; containerPort: number; protocol: string }> };
    };
    const [isvc] = loadDocuments(`${ROOT}/kserve/inferenceservice-grpc.yaml`) as Array<K8sObject & { spec: { predictor: Predictor } }>;
    assert.equal(isvc.kind, 'InferenceService');
    const { model } = isvc.spec.predictor;
    assert.equal(model.runtime, runtime.metadata.name);
    assert.ok(runtime.spec.protocolVersions.includes('grpc-v2') && runtime.spec.protocolVersions.includes(model.protocolVersion));
    const config = assertConfigAccepted(runtime.spec.containers[0]);
    assert.deepEqual(
      model.ports,
      [{ name: 'h2c', containerPort: config.GRPC_PORT, protocol: 'TCP' }],
      "Knative's name for HTTP/2 in clear text, on GRPC_PORT",
    );
    // What the port serves, asked with a gRPC client of the vendored protocol.
    const port = await app.grpc.listen(0, '127.0.0.1');
    const client = grpcClient(`127.0.0.1:${port}`);
    try {
      assert.deepEqual(await client.call('Check', { service: 'inference.GRPCInferenceService' }), { status: 'SERVING' });
      assert.deepEqual(await client.call('ModelReady', { name: app.modelSlot.current.info.name }), { ready: true });
    } finally {
      client.close();
    }
  });
});
