// Service configuration from environment variables, validated by zod. Every default just works on a laptop.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { DEVICES } from '../model/session.js';

/** The package root, so default paths work from any working directory (and from dist/). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** An optional secret: unset or empty means off; when set it must be long enough not to be guessed. */
const secret = () => z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional());

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  MODEL_PATH: z.string().min(1).default(path.join(PROJECT_ROOT, 'models', 'lenet.onnx')),
  EXECUTION_PROVIDER: z.enum(DEVICES).default('auto'),
  /** ORT intra-op threads on the CPU. 1 leaves the other cores to sharp and the event loop (measured: spinning ORT threads cost 20–25 % throughput). */
  CPU_THREADS: int(0, 256).default(1),
  /** Largest accepted request body. */
  BODY_LIMIT_BYTES: int(1024, 1024 ** 3).default(4 * 1024 * 1024),
  /** Largest accepted image in pixels (width × height): a 100 KB PNG can declare 50k × 50k. */
  MAX_INPUT_PIXELS: int(1, 268_402_689).default(25_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Server processes sharing the port (Node's cluster module). 1 suits a GPU: one CUDA context, and the batcher
   * fills bigger batches. On a CPU host one per core lets every core parse HTTP and decode (2 cores, c64, bench:serve:
   * 28×28 PNGs 1 → ~10,600 req/s, 2 → ~15,000; 280×280 ~1,700 → ~2,300). Not the default: a container's CPU quota
   * is not what the host's core count says, and a process per host core under a 2-CPU quota would thrash. */
  WORKERS: int(1, 64).default(1),
  /** Worker threads per process for per-pixel preprocessing of larger pictures (0 = all on the event loop). Default:
   * the cores plus one, shared out among the processes; the extra thread fills the event loop's bursty gaps (2 cores,
   * one process, 280×280 PNGs: 0 or 1 → ~830 req/s, 3 → ~1,410–1,520). None once there is a process per core: the
   * processes already keep every core busy, and a thread hop only adds work (2 cores, 2 processes, 280×280: 0 →
   * ~1,540–2,150 req/s, 1 → ~1,060–1,220, 2 → ~1,130). */
  PREPROCESS_THREADS: int(0, 64).optional(),
  /** PNGs up to this many pixels are decoded on the event loop: a worker hop would cost more than the work. */
  INLINE_MAX_PIXELS: int(0, 262_144).default(4096),
  /** Most images per ORT run. Under load the batcher fills batches up to this; a GPU gains most from large ones. */
  BATCH_MAX_SIZE: int(1, 4096).default(256),
  /** How long a batch may wait for more requests; 0 (Triton's recommended start) runs an idle model at once. */
  BATCH_MAX_DELAY_MS: z.coerce.number().min(0).max(1000).default(0),
  /** Requests waiting for inference (and for a preprocessing worker) beyond which new ones get 503 + Retry-After. */
  QUEUE_MAX: int(1, 1_000_000).default(1024),
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

export type Config = Omit<z.infer<typeof ConfigSchema>, 'PREPROCESS_THREADS'> & { PREPROCESS_THREADS: number };

/** WORKERS puts a server process on every core: no core is left for helper threads (preprocessing, V8's GC). */
export const processPerCore = (workers: number): boolean => workers >= availableParallelism();

function defaultPreprocessThreads(workers: number): number {
  return processPerCore(workers) ? 0 : Math.min(8, Math.ceil((availableParallelism() + 1) / workers));
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return { ...parsed.data, PREPROCESS_THREADS: parsed.data.PREPROCESS_THREADS ?? defaultPreprocessThreads(parsed.data.WORKERS) };
}
