import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must wait out outages (maxRetriesPerRequest: null, as BullMQ
 * requires). Producers serving HTTP give up after one reconnection attempt instead, so a request
 * gets a 503 rather than hanging while Redis is away; commands sent while the first connection is
 * still being made wait for it rather than failing.
 */
export function createRedisConnection(
  url: string,
  role: 'worker' | 'producer',
  options: RedisOptions = {},
): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5_000,
    ...options,
  });
}
