import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ApiError } from '../common/api-error';
import { API_ENV, type ApiEnv } from '../config/api-env.token';
import { REDIS } from '../queue/queue.module';

/** Without its counters the throttle cannot protect logins, so they wait for Redis (fail closed). */
function throttleUnavailable(): never {
  throw new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    'service_unavailable',
    'Login is temporarily unavailable; try again shortly',
  );
}

/**
 * Counts failed logins per client address and email in Redis (shared by every API replica) and
 * refuses further attempts with 429 once the window's budget is spent. Successful logins are free.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(API_ENV) private readonly env: ApiEnv,
  ) {}

  private key(ip: string, email: string): string {
    return `${this.env.REDIS_PREFIX}:login-failures:${ip}:${email}`;
  }

  async assertAllowed(ip: string, email: string): Promise<void> {
    const key = this.key(ip, email);
    const [failures, ttl] = await this.redis
      .multi()
      .get(key)
      .pttl(key)
      .exec()
      .then((results) => (results ?? []).map(([, value]) => value), throttleUnavailable);
    if (Number(failures ?? 0) >= this.env.LOGIN_RATE_LIMIT_MAX) {
      const retryAfter = Math.max(1, Math.ceil(Number(ttl) / 1000));
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'too_many_requests',
        `Too many failed logins; retry in ${retryAfter} s`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
  }

  async recordFailure(ip: string, email: string): Promise<void> {
    const key = this.key(ip, email);
    await this.redis
      .multi()
      .incr(key)
      .expire(key, this.env.LOGIN_RATE_LIMIT_WINDOW_SECONDS, 'NX')
      .exec()
      .catch(throttleUnavailable);
  }
}
