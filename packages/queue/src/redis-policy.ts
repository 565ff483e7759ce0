import type { Redis } from 'ioredis';

export class RedisEvictionPolicyError extends Error {
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}", but BullMQ needs "noeviction": under any other ` +
        'policy Redis may delete queued jobs and locks when memory runs out. Start Redis with ' +
        '--maxmemory-policy noeviction (or CONFIG SET maxmemory-policy noeviction).',
    );
    this.name = 'RedisEvictionPolicyError';
  }
}

/**
 * Reads the policy from INFO rather than CONFIG GET, which managed Redis services often disable.
 */
export async function readMaxmemoryPolicy(redis: Redis): Promise<string> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (!policy) throw new Error('Redis INFO memory did not report maxmemory_policy');
  return policy;
}

/** Workers call this at boot: a queue on an evicting Redis loses jobs silently. */
export async function assertNoEvictionPolicy(redis: Redis): Promise<void> {
  const policy = await readMaxmemoryPolicy(redis);
  if (policy !== 'noeviction') throw new RedisEvictionPolicyError(policy);
}
