// Dynamic batching: requests that arrive while the model is busy are run together as one batch, the way Triton's
// dynamic batcher does. With maxDelayMs 0 (the default, as Triton recommends) there is no timer: a lone request starts
// at once, and under load a batch takes every request that arrived in the same turn of the event loop, up to
// maxBatchSize. The queue is bounded: when it is full, submit() refuses at once instead of growing memory.
import { QueueFullError } from '../imaging/errors.js';

export interface BatcherOptions {
  maxBatchSize: number;
  /** How long a batch may wait for more requests before it runs anyway; 0 = never wait. */
  maxDelayMs: number;
  /** Requests waiting (not yet running) beyond which submit() throws QueueFullError. */
  maxQueue: number;
  /** Told how long each item waited in the queue, when its batch starts. */
  onQueueWait?: (seconds: number) => void;
}

interface Waiting<In, Out> {
  item: In;
  /** performance.now() when it was queued. */
  since: number;
  resolve(value: Out): void;
  reject(reason: unknown): void;
  /** The first (or only) item of a submit or submitAll call: one request, however many items it brings. */
  first: boolean;
}

/** `run` gets the items of one batch and must return one result per item, in the same order. */
export class Batcher<In, Out> {
  readonly #queue: Waiting<In, Out>[] = [];
  #running = false;
  #timer?: NodeJS.Timeout;
  #immediate?: NodeJS.Immediate;
  /** Requests in the last batch (a number read by /read is one request of many items): more than one means requests
   * are arriving together. */
  #lastRequests = 1;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    readonly options: BatcherOptions,
  ) {}

  /** Requests waiting for the next batch. */
  get queued(): number {
    return this.#queue.length;
  }

  submit(item: In): Promise<Out> {
    if (this.#queue.length >= this.options.maxQueue) return Promise.reject(this.#full());
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, since: performance.now(), resolve, reject, first: true });
      this.#schedule(true);
    });
  }

  /**
   * Several items that belong together (a number's digits, a client's tensor batch): queued at once, so they share one
   * batch when they fit in maxBatchSize. The queue limit counts every item.
   */
  submitAll(items: readonly In[]): Promise<Out[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.#queue.length + items.length > this.options.maxQueue) return Promise.reject(this.#full());
    const since = performance.now();
    const results = items.map(
      (item, i) => new Promise<Out>((resolve, reject) => this.#queue.push({ item, since, resolve, reject, first: i === 0 })),
    );
    this.#schedule(true);
    return Promise.all(results);
  }

  #full(): QueueFullError {
    const { maxQueue } = this.options;
    return new QueueFullError(maxQueue, `the inference queue is full (${maxQueue} waiting)`);
  }

  #schedule(arriving = false): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#queue.length >= this.options.maxBatchSize) return this.#flush();
    if (this.options.maxDelayMs > 0) {
      this.#timer ??= setTimeout(() => this.#flush(), this.options.maxDelayMs);
      return;
    }
    // Under load a batch is formed at the end of a loop turn (setImmediate), so that it takes every request parsed in
    // that turn rather than splitting it into a batch of one and the rest (docs/performance.md). After a lone request
    // no company is expected: start at once.
    if (!arriving || this.#lastRequests > 1) {
      this.#immediate ??= setImmediate(() => this.#flush());
      return;
    }
    this.#flush();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearImmediate(this.#immediate);
    this.#immediate = undefined;
    const batch = this.#queue.splice(0, this.options.maxBatchSize);
    this.#lastRequests = Math.max(
      1,
      batch.reduce((n, w) => n + (w.first ? 1 : 0), 0),
    );
    this.#running = true;
    const { onQueueWait } = this.options;
    if (onQueueWait) {
      const now = performance.now();
      for (const w of batch) onQueueWait((now - w.since) / 1000);
    }
    // One batch at a time: ORT already uses its own threads within a run, and requests arriving meanwhile make the
    // next batch bigger, which is where the per-image cost drops.
    Promise.resolve()
      .then(() => this.run(batch.map((w) => w.item)))
      .then((results) => {
        if (results.length !== batch.length) throw new Error(`batch of ${batch.length} returned ${results.length} results`);
        batch.forEach((w, i) => w.resolve(results[i]));
      })
      .catch((err: unknown) => batch.forEach((w) => w.reject(err))) // a failed batch fails its own requests only
      .finally(() => {
        this.#running = false;
        this.#schedule();
      });
  }
}
