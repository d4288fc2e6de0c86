// The model being served, replaceable while requests are in flight (hot reload): each batch holds on to the model it
// started with, and a replaced model's session is released only after its last batch has finished.
import type { LoadedModel, ModelInfo } from './model.js';

/** What clients are told about a model: enough to tell versions apart, nothing of its file or session. */
export interface ModelSummary {
  name: string;
  version: string;
  sha256: string;
}

export const summaryOf = ({ name, version, sha256 }: ModelInfo): ModelSummary => ({ name, version, sha256 });

/** What a slot holds: a loaded model of either kind (the digit model, the line model). */
interface Releasable {
  info: ModelInfo;
  release(): Promise<void>;
}

interface Entry<M extends Releasable> {
  model: M;
  users: number;
  retired: boolean;
  /** Whether we loaded it (and so release it); a model handed in by a test is shared and not ours to release. */
  owned: boolean;
}

export class ModelSlot<M extends Releasable = LoadedModel> {
  #entry: Entry<M>;

  constructor(model: M, owned = true) {
    this.#entry = { model, users: 0, retired: false, owned };
  }

  get current(): M {
    return this.#entry.model;
  }

  async use<T>(fn: (model: M) => Promise<T>): Promise<T> {
    const entry = this.#entry;
    entry.users++;
    try {
      return await fn(entry.model);
    } finally {
      entry.users--;
      releaseIfIdle(entry);
    }
  }

  /** Serves `next` from now on; the previous model finishes what it is running, then is released. */
  swap(next: M): void {
    const previous = this.#entry;
    this.#entry = { model: next, users: 0, retired: false, owned: true };
    previous.retired = true;
    releaseIfIdle(previous);
  }

  close(): void {
    this.#entry.retired = true;
    releaseIfIdle(this.#entry);
  }
}

function releaseIfIdle(entry: Entry<Releasable>): void {
  if (!entry.retired || entry.users > 0 || !entry.owned) return;
  entry.owned = false; // release once
  entry.model.release().catch(() => {}); // nothing useful to do if freeing an unused session fails
}
