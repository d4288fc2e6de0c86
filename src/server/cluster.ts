// WORKERS > 1: Node's cluster module. The primary forks the workers, each the ordinary server of main.ts sharing the
// port, owns GRPC_PORT and hands out its connections (grpc/balance.ts), replaces a worker that dies, and relays what
// concerns them all: a drain on SIGTERM/SIGINT, a model reload on SIGHUP or after one worker's POST /admin/reload, and
// /metrics summed over every worker (prom-client's AggregatorRegistry).
// Reloads travel as IPC messages, not signals, and each worker answers with the model it now serves (or why not), so
// that /admin/reload can say whether every worker has the new model.
import cluster, { type Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { pageUrl, processPerCore, type Config } from './config.js';
import { createGrpcBalancer, isBalanceMessage, type BalanceMessage } from './grpc/balance.js';
import { GrpcListenError } from './grpc/listen-error.js';
import { createLogger } from './log.js';
import { isReloadMessage, type ReloadMessage, type ReloadResult } from './reload-requests.js';

/** How long the primary waits for a worker to answer a reload request, its start included for one still starting (under
 * the 30 s request timeout, so that /admin/reload can still say who did not answer). */
const RELOAD_ANSWER_MS = 20_000;
/** A replacement worker that fails to start is tried again after this, doubling up to a minute. */
const RESTART_DELAY_MS = 1_000;

/** What the primary and its workers tell each other over the cluster's IPC channel (reloads: reload-requests.ts). */
type Message =
  | { type: 'lenet:drain'; phase: DrainPhase } // primary → worker: one step of the drain (plugins/lifecycle.ts)
  | { type: 'lenet:serving' } // worker → primary: it listens, and acts on the drain's steps from now on
  | { type: 'lenet:stopped' } // worker → primary: it no longer accepts connections
  | { type: 'lenet:metrics'; id: number; text?: string; error?: string }; // worker → primary (id only) and back

/** begin: readiness 503, still serving; stop-accepting: no new connections; finish: close the connections, finish
 * in-flight requests and exit. */
export type DrainPhase = 'begin' | 'stop-accepting' | 'finish';

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && String((m as Message).type).startsWith('lenet:');

export async function runPrimary(config: Config): Promise<void> {
  const log = createLogger(config).child({ role: 'primary' });
  const grpc = config.GRPC_PORT > 0 ? createGrpcBalancer(log) : undefined;
  await grpc?.listen(config.HOST, config.GRPC_PORT).catch((err: Error) => {
    throw new GrpcListenError(config.HOST, config.GRPC_PORT, err);
  });
  const aggregator = new AggregatorRegistry();
  const started = new Set<number>(); // workers that got as far as listening
  const drainable = new Set<number>(); // workers that listen and act on the drain's steps (lenet:serving)
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  let draining = false;
  let exitCode = 0;
  let serving = false; // every first worker has started: from then on a failed start is retried, not fatal
  let restartDelay = RESTART_DELAY_MS;
  let nextReload = 0;

  /** Asks one worker to reload and resolves with its answer, or with why none came. */
  const askReload = (worker: Worker): Promise<ReloadResult> => {
    const id = nextReload++;
    const pid = worker.process.pid ?? 0;
    return new Promise((resolve) => {
      const finish = (result: ReloadResult) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(result);
      };
      const onMessage = (m: unknown) => {
        if (isReloadMessage(m) && m.type === 'lenet:reload-result' && m.id === id) finish(m.result);
      };
      const onExit = () => finish({ pid, ok: false, error: 'the worker exited before it answered' });
      const timer = setTimeout(() => finish({ pid, ok: false, error: `no answer within ${RELOAD_ANSWER_MS / 1000} s` }), RELOAD_ANSWER_MS);
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      // A worker still starting may have read the file before it changed: it reloads once it listens (a message sent
      // now could arrive before it has anything listening for it).
      const send = () => worker.isConnected() && worker.send({ type: 'lenet:reload', id } satisfies ReloadMessage);
      if (started.has(worker.id)) send();
      else worker.once('listening', send);
    });
  };
  const reloadAll = async (except?: Worker): Promise<ReloadResult[]> => {
    const results = await Promise.all(
      workers()
        .filter((w) => w !== except && !w.isDead())
        .map(askReload),
    );
    for (const result of results) {
      if (result.ok) log.info(result, 'worker reloaded the model');
      else log.error(result, 'worker did not reload the model');
    }
    return results;
  };

  const fork = () => {
    // glibc reads MALLOC_ARENA_MAX when a process starts: the workers get the Dockerfile's two arenas under npm start too.
    const worker = cluster.fork({ MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' });
    worker.on('listening', () => {
      started.add(worker.id);
      restartDelay = RESTART_DELAY_MS;
      if (!serving && started.size >= config.WORKERS) {
        serving = true;
        log.info({ url: pageUrl(config) }, `ready: open ${pageUrl(config)} to draw a digit`);
      }
    });
    worker.on('message', (message: unknown) => {
      if (isReloadMessage(message) && message.type === 'lenet:reload-others') {
        void reloadAll(worker).then((results) =>
          worker.send({ type: 'lenet:reload-others', id: message.id, results } satisfies ReloadMessage),
        );
        return;
      }
      if (!isMessage(message)) return; // prom-client's own requests and answers pass by here too
      if (message.type === 'lenet:serving') {
        drainable.add(worker.id);
        if (!draining) grpc?.add(worker);
      }
      if (message.type === 'lenet:metrics') {
        aggregator.clusterMetrics().then(
          (text) => worker.send({ type: 'lenet:metrics', id: message.id, text }),
          (err: Error) => worker.send({ type: 'lenet:metrics', id: message.id, error: err.message }),
        );
      }
    });
  };

  /** Resolves once `worker` has sent a message of `type`, or has exited. */
  const heard = (worker: Worker, type: Message['type']) =>
    new Promise<void>((resolve) => {
      const done = () => {
        worker.off('message', onMessage).off('exit', done);
        resolve();
      };
      const onMessage = (m: unknown) => isMessage(m) && m.type === type && done();
      worker.on('message', onMessage).on('exit', done);
    });
  const connected = () => workers().filter((w) => w.isConnected());
  const tellAll = (phase: DrainPhase) => {
    for (const worker of connected()) worker.send({ type: 'lenet:drain', phase } satisfies Message);
  };
  const drain = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    log.info({ signal, workers: workers().length }, 'draining every worker');
    // Every worker says it is not ready, for the settle time (on SIGTERM; a terminal's Ctrl-C wants no wait), while
    // all still serve. Then every worker stops accepting, together: only once none accepts are connections closed, so a
    // client whose connection is closed cannot reconnect to a worker that is about to stop (its request dropped there).
    tellAll('begin');
    const settle = signal === 'SIGTERM' ? config.DRAIN_SETTLE_MS : 0;
    setTimeout(async () => {
      // A worker still starting stops without listening once it reads 'begin', or is already on its way to listen: it
      // is waited for, so that it cannot listen after the others have closed the port (which would open it again).
      await Promise.all(
        connected()
          .filter((w) => !drainable.has(w.id))
          .map((w) => heard(w, 'lenet:serving')),
      );
      const stopped = connected().map((w) => heard(w, 'lenet:stopped'));
      grpc?.close(); // before the message: every connection handed out reaches its worker ahead of it
      tellAll('stop-accepting');
      await Promise.all(stopped);
      log.info('every worker has stopped accepting: closing their connections');
      tellAll('finish');
    }, settle);
    // Each worker bounds its own drain by SHUTDOWN_TIMEOUT_MS; this only catches one that hangs past it.
    setTimeout(() => {
      log.error('workers still running after the shutdown timeout: killing them');
      for (const worker of workers()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000).unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    grpc?.remove(worker);
    if (draining) {
      if (code) exitCode = code;
      if (workers().every((w) => w === worker || w.isDead())) {
        log.info({ code: exitCode }, 'stopped');
        process.exit(exitCode);
      }
      return;
    }
    if (!started.has(worker.id) && !serving) {
      // A first worker never listened: a bad model or the like, which the next would hit too. Fail as one process would.
      log.fatal({ worker: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      draining = true;
      for (const other of workers()) other.process.kill('SIGTERM');
      process.exit(code || 1);
    }
    if (!started.has(worker.id)) {
      // A replacement that failed to start (the model file being replaced, say): the others still serve; try again
      // later rather than stopping the service or forking in a tight loop.
      log.error(
        { worker: worker.process.pid, code, signal, retryInMs: restartDelay },
        'a replacement worker failed to start; trying again',
      );
      setTimeout(() => draining || fork(), restartDelay);
      restartDelay = Math.min(60_000, restartDelay * 2);
      return;
    }
    log.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    fork();
  });

  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
  process.on('SIGHUP', () => {
    log.info('SIGHUP: every worker reloads the model');
    void reloadAll();
  });

  // With a process on every core, V8's parallel GC helper threads have no core to run on: they were descheduled
  // mid-scavenge while the event loop waited for them (docs/performance.md). With a core to spare they help.
  const gc = processPerCore(config.WORKERS) ? ['--single-threaded-gc'] : [];
  // Workers accept from the shared socket themselves (SCHED_NONE), not through the primary's round robin: that closes the
  // connections it has accepted but not yet handed to a worker when the last worker closes its server, after their
  // clients had sent a request (a drain reset them).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...gc] });
  log.info({ workers: config.WORKERS, port: config.PORT, v8Flags: gc }, `starting ${config.WORKERS} workers on port ${config.PORT}`);
  for (let i = 0; i < config.WORKERS; i++) fork();
}

// ---- in a worker ----

export const isClusterWorker = cluster.isWorker;

/** Lets the primary gather this worker's metrics (prom-client answers its requests from these registries). */
export function shareMetrics(registry: Registry): void {
  new AggregatorRegistry(); // installs the worker side of prom-client's protocol
  AggregatorRegistry.setRegistries([registry]);
}

let nextId = 0;
const pending = new Map<number, (answer: { text?: string; error?: string }) => void>();
let drainRequested: ((phase: DrainPhase) => void | Promise<void>) | undefined;
/** Steps of the drain asked for before the server could act on them (a worker still starting), done once it can. */
const askedEarly: DrainPhase[] = [];

let steps = Promise.resolve();

/** Does one step of the drain after the steps before it. */
function drainStep(phase: DrainPhase): void {
  steps = steps.then(async () => {
    await drainRequested!(phase);
    // Sent after the listener's own close message on the same channel: when the primary reads this, it has let go of
    // the shared socket for this worker (and closed it, once no worker holds it).
    if (phase === 'stop-accepting') process.send!({ type: 'lenet:stopped' } satisfies Message);
  });
}

if (isClusterWorker) {
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'lenet:metrics') pending.get(message.id)?.(message);
    else if (message.type === 'lenet:drain') {
      if (drainRequested) drainStep(message.phase);
      else askedEarly.push(message.phase);
    }
  });
}

/**
 * Whether this worker may start listening: not once a drain has begun. A worker still starting when the primary began
 * a drain stops without listening: listening then would reopen the port its siblings had closed (Node's cluster
 * closes the shared socket when the last worker leaves it), and it would serve past the drain until it was killed.
 */
export function startListening(): boolean {
  return askedEarly.length === 0;
}

/** Every worker's metrics, summed by the primary. */
export function clusterMetrics(): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle({ error: 'the primary process did not answer' }), 10_000);
    const settle = ({ text, error }: { text?: string; error?: string }) => {
      clearTimeout(timer);
      pending.delete(id);
      if (error !== undefined) reject(new Error(`cluster metrics: ${error}`));
      else resolve(text ?? '');
    };
    pending.set(id, settle);
    process.send!({ type: 'lenet:metrics', id } satisfies Message);
  });
}

const reloadsOfOthers = new Map<number, (results: ReloadResult[]) => void>();
if (isClusterWorker) {
  process.on('message', (message: unknown) => {
    if (isReloadMessage(message) && message.type === 'lenet:reload-others') reloadsOfOthers.get(message.id)?.(message.results ?? []);
  });
}

/** After a reload by request, the other workers load the same file: their answers (none outside a cluster). */
export function reloadOthers(): Promise<ReloadResult[]> {
  if (!isClusterWorker) return Promise.resolve([]);
  const id = nextId++;
  return new Promise((resolve) => {
    reloadsOfOthers.set(id, (results) => {
      reloadsOfOthers.delete(id);
      resolve(results);
    });
    process.send!({ type: 'lenet:reload-others', id } satisfies ReloadMessage);
  });
}

/** Once this worker listens: calls `drain` with each step of the drain the primary asks for (any asked while it was
 * starting first), and tells the primary it may now be asked. */
export function onDrainRequest(drain: (phase: DrainPhase) => void | Promise<void>): void {
  drainRequested = drain;
  process.send!({ type: 'lenet:serving' } satisfies Message);
  for (const phase of askedEarly.splice(0)) drainStep(phase);
}

/** Serves gRPC on the connections the primary hands this worker (it owns GRPC_PORT), and tells it when each closes. */
export function onGrpcConnection(take: (connection: Socket) => void): void {
  process.on('message', (message: unknown, connection?: Socket) => {
    if (!isBalanceMessage(message) || message.type !== 'lenet:grpc-connection' || !connection) return;
    connection.once('close', () => process.connected && process.send!({ type: 'lenet:grpc-closed' } satisfies BalanceMessage));
    take(connection);
  });
}
