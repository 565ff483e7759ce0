import { z } from 'zod';

const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const MIN_PRODUCTION_SECRET_LENGTH = 32;

// 0 asks the OS for a free port (tests, benchmarks).
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean),
);

export const nodeEnvSchema = z.enum(['development', 'test', 'production']).default('development');

/** What a process that only talks to PostgreSQL (the migrator) needs. */
export const databaseEnvSchema = z.object({
  NODE_ENV: nodeEnvSchema,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  DATABASE_POOL_SIZE: positiveInt.default(10),
});

export const baseEnvSchema = databaseEnvSchema.extend({
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
  /** Prefix of every Redis key the app writes (queues, rate limits); tests give each file its own. */
  REDIS_PREFIX: z.string().min(1).default('app'),
});

export const apiEnvSchema = baseEnvSchema
  .extend({
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(3000),
    JWT_SECRET: z.string().optional(),
    JWT_EXPIRES_IN_SECONDS: positiveInt.default(3600),
    CORS_ORIGINS: list.default([]),
    LOGIN_RATE_LIMIT_MAX: positiveInt.default(5),
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(60),
    DOCS_ENABLED: booleanFlag.default(true),
    BULL_BOARD_USER: z.string().min(1).optional(),
    BULL_BOARD_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (!env.JWT_SECRET || env.JWT_SECRET.length < MIN_PRODUCTION_SECRET_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: `must be set to a random string of at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`,
        });
      } else if (env.JWT_SECRET === DEV_JWT_SECRET) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: 'must not be the development default in production',
        });
      }
    }
    if (Boolean(env.BULL_BOARD_USER) !== Boolean(env.BULL_BOARD_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.BULL_BOARD_USER ? 'BULL_BOARD_PASSWORD' : 'BULL_BOARD_USER'],
        message: `must be set together with ${env.BULL_BOARD_USER ? 'BULL_BOARD_USER' : 'BULL_BOARD_PASSWORD'}`,
      });
    }
  })
  .transform((env) => ({ ...env, JWT_SECRET: env.JWT_SECRET ?? DEV_JWT_SECRET }));

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;
export type BaseEnv = z.infer<typeof baseEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
