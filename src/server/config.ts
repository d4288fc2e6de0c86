// Service configuration from environment variables, validated by zod. Every default just works on a laptop.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';

/** The package root, so default paths work from any working directory (and from dist/). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  MODEL_PATH: z.string().min(1).default(path.join(PROJECT_ROOT, 'models', 'lenet.onnx')),
  EXECUTION_PROVIDER: z.enum(['auto', 'cuda', 'cpu']).default('auto'),
  /** ORT intra-op threads on the CPU. 1 leaves the other cores to sharp and the event loop (measured: spinning ORT threads cost 20–25 % throughput). */
  CPU_THREADS: int(0, 256).default(1),
  /** Largest accepted request body. */
  BODY_LIMIT_BYTES: int(1024, 1024 ** 3).default(4 * 1024 * 1024),
  /** Largest accepted image in pixels (width × height): a 100 KB PNG can declare 50k × 50k. */
  MAX_INPUT_PIXELS: int(1, 268_402_689).default(25_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
