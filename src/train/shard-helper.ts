// The main thread's handle on one training helper thread (shard-worker.ts): send a shard, get its gradient back.
// A plain worker thread, not a pool: a pool's bookkeeping ate the whole gain of the second core (docs/performance.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardResult, ShardTask } from './shard.js';

// The helper runs from the same tree as this file: dist/**.js when built, src/**.ts under tsx (the tests).
const here = fileURLToPath(import.meta.url);
const ENTRY = path.join(path.dirname(here), `shard-worker${path.extname(here)}`);

// Node 20 loads a worker thread's entry before loader hooks apply there, so a .ts entry needs tsx registered by hand:
// that happens only when running from the TypeScript sources (tests, `tsx`), never from a built tree.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const entry = require('node:url').pathToFileURL(workerData.entry).href;
(workerData.entry.endsWith('.ts') ? import('tsx/esm/api').then((tsx) => tsx.register()) : Promise.resolve())
  .then(() => import(entry));`;

type Reply = { ready: true } | { result: ShardResult; task: ShardTask } | { error: string };

export class ShardHelper {
  readonly #worker: Worker;
  /** Tasks sent and not yet answered, oldest first: the thread answers in order. */
  readonly #pending: Array<{ resolve: (r: ShardResult) => void; reject: (e: Error) => void }> = [];
  #failure?: Error;
  /** The buffers the last task travelled in, back from the thread to be filled again. */
  #spare?: ShardTask;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) return;
      const task = this.#pending.shift();
      if ('error' in reply) return task?.reject(new Error(`training helper thread: ${reply.error}`));
      this.#spare = reply.task;
      task?.resolve(reply.result);
    });
    const fail = (err: Error) => {
      this.#failure ??= err;
      for (const task of this.#pending.splice(0)) task.reject(this.#failure);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`training helper thread exited (code ${code})`)));
  }

  /** Starts a helper on the gradient graph; resolves once its ONNX Runtime session is open. */
  static start(gradientGraph: Uint8Array): Promise<ShardHelper> {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry: ENTRY, graph: gradientGraph } });
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        worker.off('error', reject);
        if ('ready' in reply) resolve(new ShardHelper(worker));
        else {
          reject(new Error(`training helper thread: ${'error' in reply ? reply.error : 'no session'}`));
          void worker.terminate();
        }
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
  }

  /** Computes one shard's gradient on the helper thread. The task's arrays are copied: they stay the caller's. */
  run(task: ShardTask): Promise<ShardResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    const own: ShardTask = {
      image: fill(this.#spare?.image, task.image),
      target: fill(this.#spare?.target, task.target),
      params: fill(this.#spare?.params, task.params),
      scale: task.scale,
    };
    this.#spare = undefined;
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(
        own,
        [own.image, own.target, own.params].map((a) => a.buffer as ArrayBuffer),
      );
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** A copy of `from`, in `into`'s buffer when that is big enough (no allocation), else in a new one. */
function fill(into: Float32Array | undefined, from: Float32Array): Float32Array {
  if (!into || into.buffer.byteLength < from.byteLength) return from.slice();
  const copy = new Float32Array(into.buffer, 0, from.length);
  copy.set(from);
  return copy;
}
