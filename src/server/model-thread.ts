// The served model on a thread of its own. onnxruntime-node runs a session synchronously on the calling thread (its
// async run() only defers the call with setImmediate), so on the event loop every batch stops all HTTP work for as long
// as the model runs: on a GPU, its copies and kernels too. Here the session lives on a worker thread, as Triton gives
// each model instance its own: the event loop parses, preprocesses and gathers the next batch while one runs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Device, Provider } from '../model/session.js';
import { ModelLoadError, type LoadedModel, type ModelInfo } from './model.js';

export interface ModelThreadData {
  file: string;
  device: Device;
  threads: number;
}

export type ToThread = { kind: 'run'; id: number; images: Float32Array; n: number } | { kind: 'release' };

export type FromThread =
  | { kind: 'loaded'; info: ModelInfo; provider: Provider; fallbackReason?: string }
  | { kind: 'load-failed'; message: string; modelLoadError: boolean }
  | { kind: 'ran'; id: number; probabilities: Float32Array; seconds: number }
  | { kind: 'run-failed'; id: number; message: string };

// The worker from the same tree as this file: dist/**.js in production, src/**.ts under tsx.
const here = fileURLToPath(import.meta.url);
const WORKER = path.join(path.dirname(here), `model-thread-worker${path.extname(here)}`);

/** `loadModel(file, device, threads)` on a new thread: the same checks, warm-up and errors; runs go to that thread. */
export function loadModelOnThread(file: string, device: Device, threads: number): Promise<LoadedModel> {
  const worker = new Worker(WORKER, { workerData: { file, device, threads } satisfies ModelThreadData });
  const pending = new Map<number, { resolve: (p: Float32Array) => void; reject: (e: Error) => void; ranFor?: (seconds: number) => void }>();
  let nextId = 0;
  let stopped: Error | undefined;
  const stop = (err: Error) => {
    stopped ??= err;
    for (const { reject } of pending.values()) reject(stopped);
    pending.clear();
  };

  return new Promise<LoadedModel>((resolve, reject) => {
    worker.on('error', (err) => {
      reject(new ModelLoadError(`${file}: the inference thread failed (${err.message})`, { cause: err }));
      stop(new Error(`the inference thread failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      reject(new ModelLoadError(`${file}: the inference thread exited (code ${code}) before the model loaded`));
      stop(new Error(`the inference thread exited (code ${code})`));
    });
    worker.on('message', (message: FromThread) => {
      if (message.kind === 'load-failed') {
        reject(message.modelLoadError ? new ModelLoadError(message.message) : new Error(message.message));
      } else if (message.kind === 'loaded') {
        // An idle thread does not keep the process alive (a process that is done may exit); one running a batch does.
        worker.unref();
        resolve({
          info: message.info,
          provider: message.provider,
          fallbackReason: message.fallbackReason,
          run(images, n, ranFor) {
            if (stopped) return Promise.reject(stopped);
            const id = nextId++;
            return new Promise<Float32Array>((resolveRun, rejectRun) => {
              if (pending.size === 0) worker.ref();
              pending.set(id, { resolve: resolveRun, reject: rejectRun, ranFor });
              // Sent as a copy: callers may keep using their array, and a batch is small (256 images: 800 KB).
              worker.postMessage({ kind: 'run', id, images, n } satisfies ToThread);
            });
          },
          async release() {
            if (stopped) return;
            const exited = new Promise((done) => worker.once('exit', done));
            worker.ref(); // until it has exited: the caller is waiting for that
            worker.postMessage({ kind: 'release' } satisfies ToThread);
            await exited;
          },
        });
      } else {
        const waiting = pending.get(message.id);
        pending.delete(message.id);
        if (pending.size === 0) worker.unref();
        if (message.kind === 'ran') {
          waiting?.ranFor?.(message.seconds);
          waiting?.resolve(message.probabilities);
        }
        else waiting?.reject(new Error(message.message));
      }
    });
  });
}
