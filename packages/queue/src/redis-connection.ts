import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must wait out outages (maxRetriesPerRequest: null, as BullMQ
 * requires); producers serving HTTP should fail fast instead, so a request gets a 503 rather than
 * hanging while Redis is away.
 */
export function createRedisConnection(
  url: string,
  role: 'worker' | 'producer',
  options: RedisOptions = {},
): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    ...options,
  });
}
