// Opens an ONNX Runtime session on the requested execution provider. onnxruntime-node does not fall back by itself
// (creating a session with the CUDA EP throws where CUDA is missing), so `auto` does the falling back, and says so.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

/** What a user may ask for: `auto` tries CUDA and falls back to the CPU, saying so. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
export type Device = (typeof DEVICES)[number];
export type Provider = 'cpu' | 'cuda';

/** `cuda` was asked for and the CUDA provider could not be loaded: the message says why and what to do. */
export class CudaUnavailableError extends Error {
  override name = 'CudaUnavailableError';
}

export interface OpenedSession {
  session: ort.InferenceSession;
  /** The provider really in use. */
  provider: Provider;
  /** Why `auto` ended on the CPU, when it did. */
  fallbackReason?: string;
}

export interface SessionOptions {
  /** Intra-op threads on the CPU provider; 0 lets ORT choose. */
  threads?: number;
}

function providerOptions(provider: Provider, opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // ORT logs a failed CUDA load as an error itself; we report it once, our way, so keep its log to fatal.
    logSeverityLevel: provider === 'cuda' ? 4 : 2,
    ...(provider === 'cpu' && opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
  };
}

// Two branches because create() is overloaded on path vs bytes, and TypeScript picks an overload per call site.
const create = (model: string | Uint8Array, options: ort.InferenceSession.SessionOptions) =>
  typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);

/**
 * Where onnxruntime-node keeps the CUDA provider library. npm installs it only with ONNXRUNTIME_NODE_INSTALL=cuda12
 * (the Docker image does); elsewhere it is absent, and saying so beats ORT's "failed to load shared library".
 */
export function cudaProviderLibrary(): string {
  const root = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return path.join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
}

async function openCuda(model: string | Uint8Array, opts: SessionOptions): Promise<ort.InferenceSession> {
  const library = cudaProviderLibrary();
  if (process.platform === 'linux' && !existsSync(library)) {
    const fetch = 'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install';
    throw new Error(`the CUDA provider library is not installed (${library} is missing; fetch it with ${fetch})`);
  }
  return create(model, providerOptions('cuda', opts));
}

export async function openSession(model: string | Uint8Array, device: Device, opts: SessionOptions = {}): Promise<OpenedSession> {
  if (device === 'cpu') return { session: await create(model, providerOptions('cpu', opts)), provider: 'cpu' };
  try {
    return { session: await openCuda(model, opts), provider: 'cuda' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (device === 'cuda') {
      const message = `the CUDA execution provider could not be loaded (${reason}); use device auto or cpu to run without a GPU`;
      throw new CudaUnavailableError(message, { cause: err });
    }
    return { session: await create(model, providerOptions('cpu', opts)), provider: 'cpu', fallbackReason: reason };
  }
}
