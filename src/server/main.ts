// `npm start`: configuration from the environment, the app, a listening socket, a graceful drain on SIGTERM/SIGINT,
// and a hot model reload on SIGHUP. With WORKERS > 1 this process becomes the cluster's primary (cluster.ts) and each
// worker runs this same file as the server.
// First, alone: reload requests (SIGHUP, the primary's message) are held from here on instead of killing a process
// that is still starting. The rest is imported only after it, dynamically, so that no module's loading comes first.
import { createServer } from 'node:net';
import { onReloadRequest } from './reload-requests.js';

const [
  { default: cluster },
  { default: closeWithGrace },
  { buildApp },
  { isClusterWorker, onDrainRequest, onGrpcConnection, runPrimary, startListening },
  { ConfigError, loadConfig, pageUrl },
  { ModelLoadError },
] = await Promise.all([
  import('node:cluster'),
  import('close-with-grace'),
  import('./app.js'),
  import('./cluster.js'),
  import('./config.js'),
  import('./model.js'),
]);

class PortInUse extends Error {
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use (another lenet-service?); stop it or set PORT`);
  }
}

/** Listens on the port for a moment and lets go: EADDRINUSE becomes PortInUse. */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUse(host, port) : err));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  let app;
  let config;
  try {
    config = loadConfig();
    // A busy port is found before the model is loaded (by every worker, in a cluster), and said in one line.
    if (!isClusterWorker) await assertPortFree(config.HOST, config.PORT);
    if (config.WORKERS > 1 && cluster.isPrimary) return await runPrimary(config);
    app = await buildApp(config);
    if (isClusterWorker && !startListening()) {
      app.log.info('the cluster began draining while this worker was starting: stopping without serving');
      await app.close();
      process.exit(0);
    }
    // A cold burst of connections waits in the kernel's accept queue: 511 (Node's default) reset a few of 2,000; Linux
    // caps this at net.core.somaxconn (4096 on current kernels).
    // gRPC first: once HTTP answers, both ports are up. In a cluster the primary listens on GRPC_PORT and hands this
    // worker connections once it says it serves (onDrainRequest, below).
    if (config.GRPC_PORT > 0) {
      if (isClusterWorker) onGrpcConnection(app.grpc.take);
      else await app.grpc.listen();
    }
    await app.listen({ port: config.PORT, host: config.HOST, backlog: 4096 });
    if (!isClusterWorker)
      app.log.info({ url: pageUrl(config), grpcPort: config.GRPC_PORT || 'off' }, `ready: open ${pageUrl(config)} to draw a digit`);
  } catch (caught) {
    let err = caught;
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && config) err = new PortInUse(config.HOST, config.PORT);
    if (err instanceof ConfigError || err instanceof ModelLoadError || err instanceof PortInUse) {
      // A clear sentence on stderr and a non-zero exit, for people and for orchestrators alike.
      console.error(`lenet-service cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const server = app;
  // SIGHUP means "reload the model" here (the daemon convention), not "shut down"; a rejected file is logged and the
  // current model keeps serving.
  onReloadRequest(async () => {
    server.log.info('reloading the model');
    try {
      const { info } = await server.reloadModel();
      return { pid: process.pid, ok: true, sha256: info.sha256, version: info.version };
    } catch (err) {
      return { pid: process.pid, ok: false, error: (err as Error).message };
    }
  });
  // A terminal's Ctrl-C reaches every process in its group; in a cluster the primary turns it into one orderly drain
  // request per worker, so a worker ignores SIGINT itself (a second signal would make close-with-grace exit at once).
  const skip: Array<'SIGHUP' | 'SIGINT'> = isClusterWorker ? ['SIGHUP', 'SIGINT'] : ['SIGHUP'];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const grace = closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, skip }, async ({ signal, err }) => {
    server.lifecycle.state = 'draining'; // /health/ready answers 503 from now on
    if (err) server.log.error({ err }, 'shutting down after an error');
    else server.log.info({ signal }, 'draining: finishing in-flight requests');
    // In a cluster the primary has already had every worker settle and stop accepting (cluster.ts). Alone: readiness
    // 503 for the settle time on SIGTERM (what an orchestrator sends), none on a terminal's Ctrl-C.
    if (!isClusterWorker) {
      if (signal === 'SIGTERM') await sleep(config.DRAIN_SETTLE_MS);
      await server.lifecycle.stopAccepting();
    }
    await server.lifecycle.closeConnections();
    await server.close();
    // A cluster's primary says it once every worker has stopped.
    if (!isClusterWorker) server.log.info('stopped');
  });
  if (isClusterWorker) {
    process.on('SIGINT', () => {});
    onDrainRequest((phase) => {
      if (phase === 'begin') server.lifecycle.state = 'draining';
      else if (phase === 'stop-accepting') return server.lifecycle.stopAccepting();
      else void grace.close();
    });
  }
}

await main();
