// WORKERS > 1: Node's cluster module. The primary forks the workers, each the ordinary server of main.ts sharing the
// port, replaces one that dies, and relays what concerns them all: a drain on SIGTERM/SIGINT, a model reload on SIGHUP
// or after one worker's POST /admin/reload, and /metrics summed over every worker (prom-client's AggregatorRegistry).
import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { pageUrl, processPerCore, type Config } from './config.js';

/** What the primary and its workers tell each other over the cluster's IPC channel. */
type Message =
  | { type: 'lenet:reloaded' } // worker → primary: I loaded a new model by request; have the others load it too
  | { type: 'lenet:drain' } // primary → worker: finish in-flight requests and exit
  | { type: 'lenet:metrics'; id: number; text?: string; error?: string }; // worker → primary (id only) and back

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && String((m as Message).type).startsWith('lenet:');

export function runPrimary(config: Config): void {
  const log = pino({ level: config.LOG_LEVEL }).child({ role: 'primary' });
  const aggregator = new AggregatorRegistry();
  const started = new Set<number>(); // workers that got as far as listening
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  let draining = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork();
    worker.on('listening', () => {
      started.add(worker.id);
      if (started.size === config.WORKERS) log.info({ url: pageUrl(config) }, `ready: open ${pageUrl(config)} to draw a digit`);
    });
    worker.on('message', (message: unknown) => {
      if (!isMessage(message)) return; // prom-client's own requests and answers pass by here too
      if (message.type === 'lenet:reloaded') {
        for (const other of workers()) if (other !== worker) other.process.kill('SIGHUP');
      } else if (message.type === 'lenet:metrics') {
        aggregator.clusterMetrics().then(
          (text) => worker.send({ type: 'lenet:metrics', id: message.id, text }),
          (err: Error) => worker.send({ type: 'lenet:metrics', id: message.id, error: err.message }),
        );
      }
    });
  };

  const drain = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    log.info({ signal, workers: workers().length }, 'draining every worker');
    for (const worker of workers()) worker.send({ type: 'lenet:drain' });
    // Each worker bounds its own drain by SHUTDOWN_TIMEOUT_MS; this only catches one that hangs past it.
    setTimeout(() => {
      log.error('workers still running after the shutdown timeout: killing them');
      for (const worker of workers()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000).unref();
  };

  cluster.on('exit', (worker, code, signal) => {
    if (code) exitCode = code;
    if (draining) {
      if (workers().every((w) => w === worker || w.isDead())) process.exit(exitCode);
      return;
    }
    if (!started.has(worker.id)) {
      // It never listened: a bad model or the like, which the next worker would hit too. Fail as one process would.
      log.fatal({ worker: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      draining = true;
      for (const other of workers()) other.process.kill('SIGTERM');
      process.exit(code || 1);
    }
    log.error({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    fork();
  });

  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
  process.on('SIGHUP', () => {
    log.info('SIGHUP: every worker reloads the model');
    for (const worker of workers()) worker.process.kill('SIGHUP');
  });

  // With a process on every core, V8's parallel GC helper threads have no core to run on: they were descheduled
  // mid-scavenge while the event loop waited for them (docs/performance.md). With a core to spare they help.
  const gc = processPerCore(config.WORKERS) ? ['--single-threaded-gc'] : [];
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...gc] });
  log.info({ workers: config.WORKERS, port: config.PORT, v8Flags: gc }, 'starting workers');
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
let drainRequested: (() => void) | undefined;
if (isClusterWorker) {
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'lenet:metrics') pending.get(message.id)?.(message);
    else if (message.type === 'lenet:drain') drainRequested?.();
  });
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

/** After a reload by request, the other workers should serve the same model. */
export function announceReload(): void {
  process.send?.({ type: 'lenet:reloaded' } satisfies Message);
}

/** Calls `drain` when the primary asks this worker to shut down. */
export function onDrainRequest(drain: () => void): void {
  drainRequested = drain;
}
