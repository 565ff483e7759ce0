import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  createItemsQueue,
  createRedisConnection,
  jobPolicyFromEnv,
  type ItemsQueue,
} from '@starter/queue';
import type { Redis } from 'ioredis';
import { API_ENV, type ApiEnv } from '../config/api-env.token';

const logger = new Logger('QueueModule');

export const REDIS = Symbol('REDIS');
export const ITEMS_QUEUE = Symbol('ITEMS_QUEUE');

/** One producer-side Redis connection (fail-fast) shared by the queue, health and rate limits. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [API_ENV],
      useFactory: (env: ApiEnv) => {
        const redis = createRedisConnection(env.REDIS_URL, 'producer');
        // Without a listener ioredis prints every reconnect failure to stderr, outside the JSON logs.
        redis.on('error', (error) => logger.warn(`redis: ${error.message}`));
        return redis;
      },
    },
    {
      provide: ITEMS_QUEUE,
      inject: [REDIS, API_ENV],
      useFactory: (redis: Redis, env: ApiEnv) => {
        const queue = createItemsQueue(redis, env.REDIS_PREFIX, jobPolicyFromEnv(env));
        queue.on('error', (error) => logger.warn(`queue: ${error.message}`));
        return queue;
      },
    },
  ],
  exports: [REDIS, ITEMS_QUEUE],
})
export class QueueModule implements OnApplicationShutdown {
  constructor(
    @Inject(ITEMS_QUEUE) private readonly queue: ItemsQueue,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
