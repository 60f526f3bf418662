import fs from 'node:fs';
import { ConfigError, loadConfig } from './config/env.js';
import { startServer } from './server.js';

/** Entry point: configuration, then the server, then signals. Any start-up failure exits non-zero. */
async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const server = await startServer(config);
  server.app.log.info({ url: config.publicUrl, storage: server.storage.dialect }, 'RelayDesk is up');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    // In-flight requests get a grace period (after the drain delay); past it we exit rather than hang a deploy.
    const timer = setTimeout(() => {
      server.app.log.error('graceful shutdown timed out');
      process.exit(1);
    }, config.drainDelayMs + config.shutdownGraceMs);
    timer.unref();
    server.drain().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('RelayDesk failed to start:', err);
  process.exit(1);
});
