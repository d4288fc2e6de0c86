// Opens an ONNX Runtime session on the requested execution provider. onnxruntime-node does not fall back by itself
// (creating a session with the CUDA EP throws where CUDA is missing), so `auto` does the falling back, and says so.
import ort from 'onnxruntime-node';

export type Device = 'auto' | 'cpu' | 'cuda';
export type Provider = 'cpu' | 'cuda';

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
    ...(provider === 'cpu' && opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
  };
}

const create = (model: string | Uint8Array, options: ort.InferenceSession.SessionOptions) =>
  typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);

export async function openSession(
  model: string | Uint8Array,
  device: Device,
  opts: SessionOptions = {},
): Promise<OpenedSession> {
  if (device === 'cpu') return { session: await create(model, providerOptions('cpu', opts)), provider: 'cpu' };
  try {
    return { session: await create(model, providerOptions('cuda', opts)), provider: 'cuda' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (device === 'cuda') {
      throw new Error(`the CUDA execution provider could not be loaded (${reason}); use device auto or cpu to run without a GPU`);
    }
    return { session: await create(model, providerOptions('cpu', opts)), provider: 'cpu', fallbackReason: reason };
  }
}
