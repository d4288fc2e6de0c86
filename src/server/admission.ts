// Admission control: how many requests of one kind are worked on at once. The next one is answered 503 + Retry-After
// as soon as its headers are in, before its body is read or any work is queued for it, so a burst costs the service
// next to nothing beyond what it admits (1,000 concurrent /read had been decoded before the only queue limit).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export class Admission {
  #inside = 0;

  constructor(
    /** What the requests are, for the 503's message: "/read requests". */
    readonly what: string,
    readonly limit: number,
    /** The variable that sets the limit, for the message. */
    readonly setting: string,
  ) {}

  get inside(): number {
    return this.#inside;
  }

  /** A route's onRequest hook (after authentication): a slot until the answer is sent or the connection is gone. */
  readonly onRequest = async (_req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (this.#inside >= this.limit) {
      throw new HttpError(503, 'overloaded', `${this.limit} ${this.what} are being worked on already (${this.setting}); retry shortly`);
    }
    this.#inside++;
    reply.raw.once('close', () => this.#inside--);
  };
}
