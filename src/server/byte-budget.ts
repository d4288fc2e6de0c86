// A process-wide budget of bytes (request bodies held in memory, all requests together). Whatever reads a body takes a
// lease, takes from it as bytes arrive (or all a request declares, before reading any), and releases it once when the
// request is over; a take that would go over the budget fails and takes nothing.
export class ByteBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  lease(): Lease {
    let held = 0;
    return {
      take: (bytes: number) => {
        if (this.#used + bytes > this.limit) return false;
        this.#used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.#used -= held;
        held = 0;
      },
      get held() {
        return held;
      },
    };
  }
}

export interface Lease {
  /** Adds bytes to this lease if the budget has room for them; false (and nothing taken) if not. */
  take(bytes: number): boolean;
  /** Gives back everything this lease holds; idempotent. */
  release(): void;
  readonly held: number;
}
