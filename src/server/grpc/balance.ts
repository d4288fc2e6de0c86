// In a cluster the primary owns GRPC_PORT and hands each new connection to the worker holding the fewest. A gRPC client
// keeps one connection for all its calls, so the connection is the unit of load: when the workers took them from a
// shared socket themselves (SCHED_NONE, which the HTTP drain needs), a client's burst of connections could all land on
// one worker and leave the other idle for their whole life. Node's cluster hands out each connection as a handle over
// the worker's IPC channel, in order with the drain's messages: a connection sent before 'stop-accepting' reaches its
// worker before that does.
import type { Worker } from 'node:cluster';
import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';

/** Connections that arrive while no worker can take one yet (all starting) wait, paused, up to this many. */
const MAX_WAITING = 1024;

/** primary → worker: here is a connection (the handle travels with the message); worker → primary: one of mine closed. */
export type BalanceMessage = { type: 'lenet:grpc-connection' } | { type: 'lenet:grpc-closed' };

export const isBalanceMessage = (m: unknown): m is BalanceMessage =>
  typeof m === 'object' && m !== null && ['lenet:grpc-connection', 'lenet:grpc-closed'].includes(String((m as BalanceMessage).type));

export interface GrpcBalancer {
  /** Listens on host:port; rejects with the listen error (EADDRINUSE, say). */
  listen(host: string, port: number): Promise<void>;
  /** `worker` takes connections from now on (it serves gRPC). */
  add(worker: Worker): void;
  /** `worker` has gone: its connections are no longer counted. */
  remove(worker: Worker): void;
  /** Accepts no more connections; those waiting for a worker are closed (nothing was read from them). */
  close(): void;
}

export function createGrpcBalancer(log: Logger): GrpcBalancer {
  const open = new Map<Worker, number>(); // every worker taking connections, and how many of them it holds
  const waiting: Socket[] = [];
  // pauseOnConnect: the primary reads nothing, so all the connection's bytes reach the worker.
  const server = createServer({ pauseOnConnect: true, noDelay: true });

  let turn = 0;
  const handOut = (socket: Socket) => {
    // Ties taken in turn: one short-lived connection after another would otherwise all go to the first worker.
    const live = [...open.keys()].filter((w) => w.isConnected());
    const least = Math.min(...live.map((w) => open.get(w)!));
    const tied = live.filter((w) => open.get(w) === least);
    const fewest = tied.length > 0 ? tied[turn++ % tied.length] : undefined;
    if (!fewest) {
      if (waiting.length < MAX_WAITING) waiting.push(socket);
      else socket.destroy();
      return;
    }
    open.set(fewest, open.get(fewest)! + 1);
    // keepOpen false (the default): the primary's copy is closed once the worker has it.
    fewest.send({ type: 'lenet:grpc-connection' } satisfies BalanceMessage, socket, (err) => {
      if (err) {
        log.warn({ err, worker: fewest.process.pid }, 'could not hand a gRPC connection to a worker');
        socket.destroy();
      }
    });
  };
  server.on('connection', handOut);
  server.on('error', (err) => log.error({ err }, 'gRPC listener error'));

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, backlog: 4096, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    add(worker) {
      open.set(worker, 0);
      worker.on('message', (m: unknown) => {
        if (isBalanceMessage(m) && m.type === 'lenet:grpc-closed' && open.has(worker)) open.set(worker, Math.max(0, open.get(worker)! - 1));
      });
      for (const socket of waiting.splice(0)) handOut(socket);
    },
    remove(worker) {
      open.delete(worker);
    },
    close() {
      for (const socket of waiting.splice(0)) socket.destroy();
      // The listening socket closes now; close's callback would wait for every connection handed out to end.
      if (server.listening) server.close();
    },
  };
}
