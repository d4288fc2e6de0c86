// The main thread's handle on the data workers: asks for chunk i, gets its batches; the next chunks are always being
// made ahead, chunk i by worker i mod k. A chunk's lines depend on the seed and i only, so k changes no number.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DataReply, DataWorkerInit } from './data-worker.js';
import type { LineBatch } from './training-line.js';

const here = fileURLToPath(import.meta.url);
const ENTRY = path.join(path.dirname(here), `data-worker${path.extname(here)}`);
// As shard-helper.ts: a .ts entry (tests, tsx) needs tsx registered inside the thread.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const entry = require('node:url').pathToFileURL(workerData.entry).href;
(workerData.entry.endsWith('.ts') ? import('tsx/esm/api').then((tsx) => tsx.register()) : Promise.resolve())
  .then(() => import(entry));`;

export class LineDataSource {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, { resolve: (b: LineBatch[]) => void; reject: (e: Error) => void }>();
  readonly #asked = new Map<number, Promise<LineBatch[]>>();
  #failure?: Error;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  static async start(init: DataWorkerInit, count: number): Promise<{ source: LineDataSource; fonts: number }> {
    const workers = Array.from(
      { length: Math.max(1, count) },
      () => new Worker(BOOTSTRAP, { eval: true, workerData: { entry: ENTRY, init } }),
    );
    const source = new LineDataSource(workers);
    const started = workers.map(
      (worker) =>
        new Promise<number>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', (reply: DataReply) =>
            'ready' in reply ? resolve(reply.fonts) : reject(new Error(`line data worker: ${'error' in reply ? reply.error : 'no start'}`)),
          );
        }),
    );
    let fonts;
    try {
      fonts = Math.min(...(await Promise.all(started)));
    } catch (err) {
      await source.close();
      throw err;
    }
    for (const worker of workers) {
      worker.on('message', (reply: DataReply) => {
        if ('ready' in reply) return;
        if ('error' in reply) return source.#fail(new Error(`line data worker: ${reply.error}`));
        source.#waiting.get(reply.chunk)?.resolve(reply.batches);
        source.#waiting.delete(reply.chunk);
      });
      worker.on('error', (err) => source.#fail(err));
    }
    return { source, fonts };
  }

  #fail(err: Error) {
    this.#failure ??= err;
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }

  /** Chunk `i`'s batches; asks for the chunks after it at once (one per worker), so that they are being made while
   * chunk i trains. */
  chunk(i: number): Promise<LineBatch[]> {
    const got = this.#ask(i);
    for (let k = 1; k <= this.#workers.length; k++) this.#ask(i + k);
    for (const k of this.#asked.keys()) if (k < i) this.#asked.delete(k);
    return got;
  }

  #ask(i: number): Promise<LineBatch[]> {
    const asked = this.#asked.get(i);
    if (asked) return asked;
    const promise = this.#failure
      ? Promise.reject(this.#failure)
      : new Promise<LineBatch[]>((resolve, reject) => {
          this.#waiting.set(i, { resolve, reject });
          this.#workers[i % this.#workers.length].postMessage({ chunk: i });
        });
    promise.catch(() => {}); // a chunk asked ahead may fail before anyone awaits it
    this.#asked.set(i, promise);
    return promise;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
