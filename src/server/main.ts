// `npm start`: configuration from the environment, the app, a listening socket, and a graceful drain on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { ModelLoadError } from './model.js';

const DRAIN_TIMEOUT_MS = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000);

async function main(): Promise<void> {
  let app;
  try {
    const config = loadConfig();
    app = await buildApp(config);
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ModelLoadError) {
      // A clear sentence on stderr and a non-zero exit, for people and for orchestrators alike.
      console.error(`lenet-service cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const server = app;
  closeWithGrace({ delay: DRAIN_TIMEOUT_MS }, async ({ signal, err }) => {
    server.lifecycle.state = 'draining'; // /health/ready answers 503 from now on
    if (err) server.log.error({ err }, 'shutting down after an error');
    else server.log.info({ signal }, 'draining: finishing in-flight requests');
    await server.close();
  });
}

await main();
