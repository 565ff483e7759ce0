import {
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { assertNoEvictionPolicy, createRedisConnection } from '@starter/queue';
import type { Redis } from 'ioredis';
import type { Logger } from '@starter/logging';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';
import { LOGGER } from '../observability/logger';

export const REDIS = Symbol('REDIS');

/** One command connection for the process; BullMQ workers add their own blocking connections. */
export const redisProvider: Provider = {
  provide: REDIS,
  useFactory: (config: WorkerConfig, logger: Logger): Redis => {
    const redis = createRedisConnection(config.env.REDIS_URL, 'worker');
    // ioredis reconnects on its own; without a listener every failed attempt is an unhandled error.
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
    return redis;
  },
  inject: [WORKER_CONFIG, LOGGER],
};

/**
 * Refuses to start on a Redis that may evict keys (runs before any worker starts, since workers
 * only run from onApplicationBootstrap), and closes the connection last on shutdown.
 */
@Injectable()
export class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    await assertNoEvictionPolicy(this.redis);
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT would wait in the offline queue for a Redis that is away; then just drop the socket.
    if (this.redis.status === 'ready') await this.redis.quit();
    else this.redis.disconnect();
  }
}
