// Prometheus metrics (prom-client), one registry per app so that tests can build many apps in one process. Every
// metric is named here; the gauges that read a service's live state are attached by that service's plugin.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LoadedModel } from './model.js';

// Latency buckets from 0.1 ms: a small picture is served in well under a millisecond.
export const SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    latency: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: SECONDS,
      registers,
    }),
    preprocess: new Histogram({
      name: 'lenet_preprocess_duration_seconds',
      help: 'Image decoding and MNIST normalisation, by path (inline, worker, sharp)',
      labelNames: ['path'],
      buckets: SECONDS,
      registers,
    }),
    readWhere: new Counter({
      name: 'lenet_read_pictures_total',
      help: 'Pictures /read read (under READER=combined, both readers from one decoding), by where: on the event loop, or on a thread',
      labelNames: ['where'],
      registers,
    }),
    queueWait: new Histogram({
      name: 'lenet_queue_wait_seconds',
      help: 'Time an image waited in the inference queue before its batch started',
      buckets: SECONDS,
      registers,
    }),
    inference: new Histogram({
      name: 'lenet_inference_duration_seconds',
      help: 'ONNX Runtime run time per batch (not the wait for the event loop)',
      buckets: SECONDS,
      registers,
    }),
    batchSize: new Histogram({
      name: 'lenet_batch_size',
      help: 'Images per ONNX Runtime run',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    lineInference: new Histogram({
      name: 'lenet_line_inference_duration_seconds',
      help: "The line model's run time per batch of lines",
      buckets: SECONDS,
      registers,
    }),
    lineBatchSize: new Histogram({
      name: 'lenet_line_batch_size',
      help: 'Lines per run of the line model',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    }),
    reloads: new Counter({ name: 'lenet_model_reloads_total', help: 'Hot model reloads by result', labelNames: ['result'], registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** lenet_queue_depth, read from the queue at each scrape. */
export function queueDepthGauge(metrics: Metrics, depth: () => number): Gauge {
  return new Gauge({
    name: 'lenet_queue_depth',
    help: 'Requests waiting for the next inference batch',
    registers: [metrics.registry],
    collect() {
      this.set(depth());
    },
  });
}

/** lenet_model_info, read from the model being served at each scrape. */
export function modelInfoGauge(metrics: Metrics, current: () => LoadedModel): Gauge {
  return new Gauge({
    name: 'lenet_model_info',
    help: 'The model being served (value 1) and the execution provider that really runs it',
    labelNames: ['name', 'version', 'sha256', 'execution_provider'],
    aggregator: 'max', // summed over cluster workers it would read N, not 1
    registers: [metrics.registry],
    collect() {
      const { info, provider } = current();
      this.reset();
      this.set({ name: info.name, version: info.version, sha256: info.sha256, execution_provider: provider }, 1);
    },
  });
}
