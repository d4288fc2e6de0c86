// Dynamic batching: requests that arrive while the model is busy are run together as one batch, the way Triton's
// dynamic batcher does. With maxDelayMs 0 (the default, as Triton recommends) an idle model starts at once, so a lone
// request never waits; under load the queue fills while a batch runs and the next batch takes all of it, up to
// maxBatchSize. The queue is bounded: when it is full, submit() refuses at once instead of growing memory.

export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`the inference queue is full (${limit} waiting)`);
  }
}

export interface BatcherOptions {
  maxBatchSize: number;
  /** How long a batch may wait for more requests before it runs anyway; 0 = never wait. */
  maxDelayMs: number;
  /** Requests waiting (not yet running) beyond which submit() throws QueueFullError. */
  maxQueue: number;
}

interface Waiting<In, Out> {
  item: In;
  resolve(value: Out): void;
  reject(reason: unknown): void;
}

/** `run` gets the items of one batch and must return one result per item, in the same order. */
export class Batcher<In, Out> {
  readonly #queue: Waiting<In, Out>[] = [];
  #running = false;
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    readonly options: BatcherOptions,
  ) {}

  /** Requests waiting for the next batch. */
  get queued(): number {
    return this.#queue.length;
  }

  submit(item: In): Promise<Out> {
    if (this.#queue.length >= this.options.maxQueue) return Promise.reject(new QueueFullError(this.options.maxQueue));
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#queue.length >= this.options.maxBatchSize || this.options.maxDelayMs === 0) return this.#flush();
    this.#timer ??= setTimeout(() => this.#flush(), this.options.maxDelayMs);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue.splice(0, this.options.maxBatchSize);
    this.#running = true;
    // One batch at a time: ORT already uses its own threads within a run, and requests arriving meanwhile make the
    // next batch bigger, which is where the per-image cost drops.
    Promise.resolve()
      .then(() => this.run(batch.map((w) => w.item)))
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`batch of ${batch.length} returned ${results.length} results`);
          batch.forEach((w, i) => w.resolve(results[i]));
        },
      )
      .catch((err: unknown) => batch.forEach((w) => w.reject(err))) // a failed batch fails its own requests only
      .finally(() => {
        this.#running = false;
        this.#schedule();
      });
  }
}
