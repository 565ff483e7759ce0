import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../common/api-error';
import { API_ENV, type ApiEnv } from '../config/api-env.token';
import { REDIS } from '../queue/queue.module';

/** Without its counters a limit cannot protect anything, so the request waits for Redis (503). */
const limitsUnavailable = () =>
  new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    'service_unavailable',
    'This operation is temporarily unavailable; try again shortly',
  );

const tooManyRequests = (what: string, msBeforeNext: number) => {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ApiError(
    HttpStatus.TOO_MANY_REQUESTS,
    'too_many_requests',
    `Too many ${what}; retry in ${retryAfter} s`,
    undefined,
    { 'retry-after': String(retryAfter) },
  );
};

/**
 * The abuse limits, counted in Redis so every API replica shares them. A request consumes its
 * point before doing the work, so parallel requests cannot all slip under the limit.
 */
@Injectable()
export class RateLimits {
  private readonly logger = new Logger(RateLimits.name);
  private readonly loginsPerAccount: RateLimiterRedis;
  private readonly loginsPerAddress: RateLimiterRedis;
  private readonly registrationsPerAddress: RateLimiterRedis;
  private readonly writesPerUser: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(API_ENV) env: ApiEnv) {
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${env.REDIS_PREFIX}:rate-limit:${name}`,
        points,
        duration,
        // Fail at once while Redis is away instead of waiting in ioredis's offline queue.
        rejectIfRedisNotReady: true,
      });
    const loginWindow = env.LOGIN_RATE_LIMIT_WINDOW_SECONDS;
    this.loginsPerAccount = limiter('login-account', env.LOGIN_RATE_LIMIT_PER_ACCOUNT, loginWindow);
    this.loginsPerAddress = limiter('login-address', env.LOGIN_RATE_LIMIT_PER_ADDRESS, loginWindow);
    this.registrationsPerAddress = limiter(
      'register-address',
      env.REGISTER_RATE_LIMIT_PER_ADDRESS,
      env.REGISTER_RATE_LIMIT_WINDOW_SECONDS,
    );
    this.writesPerUser = limiter(
      'write-user',
      env.WRITE_RATE_LIMIT_PER_USER,
      env.WRITE_RATE_LIMIT_WINDOW_SECONDS,
    );
  }

  /**
   * Runs a login attempt under the failed-login budgets of its account and of its client
   * address. The attempt is counted before the password is checked and refunded if it succeeds,
   * so only failures use the budget.
   */
  async login<T>(email: string, address: string, attempt: () => Promise<T>): Promise<T> {
    await consume(this.loginsPerAddress, address, 'failed logins from this address');
    await consume(this.loginsPerAccount, email, 'failed logins for this account');
    const result = await attempt();
    await Promise.all([
      this.loginsPerAddress.reward(address),
      this.loginsPerAccount.reward(email),
    ]).catch((error: unknown) =>
      // The login itself succeeded; a lost refund only shortens this account's budget.
      this.logger.warn(`login limit refund failed: ${(error as Error).message}`),
    );
    return result;
  }

  registration(address: string): Promise<void> {
    return consume(this.registrationsPerAddress, address, 'registrations from this address');
  }

  write(userId: string): Promise<void> {
    return consume(this.writesPerUser, userId, 'writes');
  }
}

async function consume(limiter: RateLimiterRedis, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw tooManyRequests(what, rejection.msBeforeNext);
    throw limitsUnavailable();
  }
}
