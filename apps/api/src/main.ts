import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { apiEnvSchema, loadEnvOrExit } from '@starter/config';
import { createLogger } from '@starter/logging';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const env = loadEnvOrExit(apiEnvSchema);
  const logger = createLogger('api', env.LOG_LEVEL);
  const app = await createApp(env, logger);
  await app.listen({ port: env.PORT, host: env.HOST });
  // The bound port: with PORT=0 the OS picks it and this line is where to read it.
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.info({ port }, 'api listening');
}

bootstrap().catch((error: unknown) => {
  console.error('api failed to start:', error);
  process.exit(1);
});
