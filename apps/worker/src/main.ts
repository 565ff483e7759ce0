import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadEnvOrExit, workerEnvSchema } from '@starter/config';
import { createLogger, PinoNestLogger } from '@starter/logging';
import type { Logger } from '@starter/logging';
import { workerConfigFromEnv, type WorkerConfig } from './config/worker.config';
import { WorkerModule } from './worker.module';

/** Slack on top of the drain timeout for closing connections before giving up on a clean exit. */
const SHUTDOWN_GRACE_MS = 5_000;

function exitOnStartupError(logger: Logger, error: unknown): never {
  logger.fatal({ err: error }, `worker failed to start: ${(error as Error).message}`);
  process.exit(1);
}

async function bootstrap(): Promise<void> {
  const env = loadEnvOrExit(workerEnvSchema);
  const logger = createLogger('worker', env.LOG_LEVEL);
  let config: WorkerConfig;
  try {
    config = workerConfigFromEnv(env);
  } catch (error) {
    exitOnStartupError(logger, error);
  }
  // Workers start consuming in onApplicationBootstrap, after the Redis policy check in onModuleInit.
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  }).catch((error: unknown) => exitOnStartupError(logger, error));
  logger.info({ concurrency: config.concurrency }, 'worker ready');

  // Nest's own shutdown hooks re-raise the signal after closing, which ends the process with
  // 128+signal; a drained worker exits 0, so the signals are handled here.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.fatal('shutdown did not finish in time, exiting');
      process.exit(1);
    }, config.drainTimeoutMs + SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => {
        logger.info('worker stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void bootstrap();
