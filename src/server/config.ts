// Service configuration from environment variables, validated by zod. Every default just works on a laptop.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { cudaProviderLibrary, DEVICES, type Device } from '../model/session.js';
import { cpuBudget } from './cpu-budget.js';

/** The package root, so default paths work from any working directory (and from dist/). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** An optional secret: unset or empty means off; when set it must be long enough not to be guessed. */
const secret = () => z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional());

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** The Open Inference Protocol over gRPC (KServe's and Triton's GRPCInferenceService) on this port; 0 turns it off. */
  GRPC_PORT: int(0, 65535).default(8081),
  MODEL_PATH: z
    .string()
    .min(1)
    .default(path.join(PROJECT_ROOT, 'models', 'lenet.onnx')),
  EXECUTION_PROVIDER: z.enum(DEVICES).default('auto'),
  /** The line model POST /read reads with (docs/contracts.md); when the file is missing /read uses the segmentation reader. */
  LINE_MODEL_PATH: z
    .string()
    .min(1)
    .default(path.join(PROJECT_ROOT, 'models', 'line.onnx')),
  /** Which reader POST /read uses: `auto` is the one docs/performance.md's rule chose (#36); `line` the line model,
   * `segmentation` the digit model over cut candidates, `combined` the line model's reading trusted only where the
   * segmentation reader agrees. */
  READER: z.enum(['auto', 'line', 'segmentation', 'combined']).default('auto'),
  /** ORT intra-op threads on the CPU. 1 leaves the other cores to sharp and the event loop (docs/performance.md). */
  CPU_THREADS: int(0, 256).default(1),
  /** Largest accepted request body. */
  BODY_LIMIT_BYTES: int(1024, 1024 ** 3).default(4 * 1024 * 1024),
  /** Request bodies held in memory at once by this process, all requests together: a request whose body would go over
   * it is answered 503 + Retry-After (before its body is read, when it declares its length). With MAX_CONNECTIONS, it
   * bounds what clients can make a process hold, whatever they send. */
  BODY_BUDGET_BYTES: int(1024, 1024 ** 3).default(64 * 1024 * 1024),
  /** Open connections per process; more are closed as they arrive. Several times what the service can work on at once,
   * so that idle keep-alives and a burst of clients still get answers (503s when busy) rather than resets. */
  MAX_CONNECTIONS: int(1, 1_000_000).default(4096),
  /** Largest accepted image in pixels (width × height): a 100 KB PNG can declare 50k × 50k. */
  MAX_INPUT_PIXELS: int(1, 268_402_689).default(25_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: one short line per event on a terminal, JSON lines otherwise (a pipe, a container); or either, always. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),

  /** Server processes sharing the port (Node's cluster module). `auto`: one per CPU this process may use (the cores,
   * capped by a cgroup CPU quota), or 1 when serving on a GPU: one CUDA context, and one batcher fills bigger batches. */
  WORKERS: z.preprocess((v) => (v === '' ? undefined : v), z.union([z.literal('auto'), int(1, 64)]).default('auto')),
  /** Worker threads per process for per-pixel preprocessing of larger pictures (0 = all on the event loop). Default:
   * the CPUs plus one, shared out among the processes (the extra thread fills the event loop's gaps); none once there
   * is a process per CPU, where a thread hop only adds work. */
  PREPROCESS_THREADS: int(0, 64).optional(),
  /** PNGs up to this many pixels are decoded on the event loop: a worker hop would cost more than the work. */
  INLINE_MAX_PIXELS: int(0, 262_144).default(4096),
  /** Most images per ORT run. Under load the batcher fills batches up to this; a GPU gains most from large ones. */
  BATCH_MAX_SIZE: int(1, 4096).default(256),
  /** How long a batch may wait for more requests; 0 (Triton's recommended start) runs an idle model at once. */
  BATCH_MAX_DELAY_MS: z.coerce.number().min(0).max(1000).default(0),
  /** Requests waiting for inference (and for a preprocessing worker) beyond which new ones get 503 + Retry-After. */
  QUEUE_MAX: int(1, 1_000_000).default(1024),
  /** POST /read requests admitted at once (decoding, reading, classifying); more get 503 + Retry-After at once, before
   * their bodies are read. A picture costs up to READ_WORK_PIXELS of work: a few per thread keep every thread busy. */
  READ_QUEUE_MAX: int(1, 100_000).default(64),
  /** Pixels the reader may visit for one picture (decoding, finding ink, cutting and measuring candidates) before it
   * gives up with 422: a picture costs CPU in proportion, whatever it shows. */
  READ_WORK_PIXELS: int(1_000_000, 2_000_000_000).default(200_000_000),
  /** Work (pixels decoded and visited, as READ_WORK_PIXELS counts them) a /read picture may cost on the event loop: a
   * small PNG is read there, without the hop to a preprocessing thread and back; one that needs more is read again from
   * the start on a thread. 0: every picture on a thread. */
  READ_INLINE_PIXELS: int(0, 16_000_000).default(1_000_000),
  /** On SIGTERM, readiness answers 503 this long before the process stops accepting connections, while it keeps serving,
   * so that load balancers take it out of rotation first (Kubernetes: more than the readiness probe's period). */
  DRAIN_SETTLE_MS: int(0, 600_000).default(1_000),
  /** On SIGTERM/SIGINT, in-flight requests get this long to finish before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /** A request's headers and body must arrive within this (its headers within a third of it): slow clients are cut off. */
  REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(30_000),

  /** When set, POST /predict needs `Authorization: Bearer <API_KEY>`. */
  API_KEY: secret(),
  /** Also require API_KEY for GET /metrics (open by default, like /health, for scrapers inside the cluster). */
  METRICS_REQUIRE_KEY: z.stringbool().default(false),
  /** When set, POST /admin/reload exists and needs `Authorization: Bearer <ADMIN_TOKEN>`. */
  ADMIN_TOKEN: secret(),
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'WORKERS' | 'PREPROCESS_THREADS'> & {
  WORKERS: number;
  PREPROCESS_THREADS: number;
};

/** What the defaults depend on: the CPUs this process may use, and whether a GPU will serve. */
export interface Host {
  cpus: number;
  gpu: boolean;
}

/** A GPU serves when CUDA is asked for, or under `auto` when the CUDA provider is installed and a GPU is visible. */
export const detectHost = (provider: Device): Host => ({
  cpus: cpuBudget(),
  gpu: provider === 'cuda' || (provider === 'auto' && existsSync('/dev/nvidiactl') && existsSync(cudaProviderLibrary())),
});

/** WORKERS puts a server process on every CPU: none is left for helper threads (preprocessing, V8's GC). */
export const processPerCore = (workers: number, cpus = cpuBudget()): boolean => workers >= cpus;

function defaultPreprocessThreads(workers: number, cpus: number): number {
  return processPerCore(workers, cpus) ? 0 : Math.min(8, Math.ceil((cpus + 1) / workers));
}

/** The draw page's address for the start-up log: a wildcard listening address is not one a person can open. */
export const pageUrl = ({ HOST, PORT }: Pick<Config, 'HOST' | 'PORT'>): string =>
  `http://${['0.0.0.0', '::', ''].includes(HOST) ? 'localhost' : HOST.includes(':') ? `[${HOST}]` : HOST}:${PORT}/`;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, host?: Host): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  const { cpus, gpu } = host ?? detectHost(parsed.data.EXECUTION_PROVIDER);
  const workers = parsed.data.WORKERS === 'auto' ? (gpu ? 1 : cpus) : parsed.data.WORKERS;
  return {
    ...parsed.data,
    WORKERS: workers,
    PREPROCESS_THREADS: parsed.data.PREPROCESS_THREADS ?? defaultPreprocessThreads(workers, cpus),
  };
}
