import { z } from 'zod';

const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const MIN_PRODUCTION_SECRET_LENGTH = 32;

// 0 asks the OS for a free port (tests, benchmarks).
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
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
  /** How long opening a connection may take before the query that needed it fails. */
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),
  /** PostgreSQL cancels any statement running longer (0 disables); the migrator has none. */
  DATABASE_STATEMENT_TIMEOUT_MS: nonNegativeInt.default(10_000),
  /** PostgreSQL ends a session left idle inside a transaction this long (0 disables). */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: nonNegativeInt.default(10_000),
});

export const baseEnvSchema = databaseEnvSchema.extend({
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
  /** Prefix of every Redis key the app writes (queues, rate limits); tests give each file its own. */
  REDIS_PREFIX: z.string().min(1).default('app'),
});

/**
 * How jobs are retried and kept. These are job options, set by the producer when it enqueues
 * (the API); `jobPolicyFromEnv` in @starter/queue turns them into a JobPolicy.
 */
export const jobPolicyEnvSchema = z.object({
  /**
   * With a 1 s first delay, doubling, the 9 retries wait 511 s in all (at least 255 s with the
   * jitter): a database restart or failover of a few minutes fails no job for good.
   */
  JOB_ATTEMPTS: positiveInt.default(10),
  /** First retry delay; each further retry doubles it, with up to 50% jitter. */
  JOB_BACKOFF_MS: positiveInt.default(1_000),
  JOB_KEEP_COMPLETED_COUNT: positiveInt.default(1_000),
  JOB_KEEP_COMPLETED_SECONDS: positiveInt.default(24 * 3600),
  JOB_KEEP_FAILED_COUNT: positiveInt.default(5_000),
  JOB_KEEP_FAILED_SECONDS: positiveInt.default(7 * 24 * 3600),
});

export const apiEnvSchema = baseEnvSchema
  .extend({
    // The API enqueues, so it sets each job's retries and retention.
    ...jobPolicyEnvSchema.shape,
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(3000),
    /**
     * Proxies in front of the API whose X-Forwarded-For entry is believed: the client address is
     * the one the outermost trusted proxy saw. Production has one (the host's proxy); 0 for none.
     */
    TRUST_PROXY_HOPS: nonNegativeInt.default(1),
    JWT_SECRET: z.string().optional(),
    /** The secret before the last rotation: tokens it signed are still accepted until they expire. */
    JWT_PREVIOUS_SECRET: z.string().optional(),
    JWT_ISSUER: z.string().min(1).default('starter-api'),
    JWT_AUDIENCE: z.string().min(1).default('starter-api'),
    JWT_EXPIRES_IN_SECONDS: positiveInt.default(3600),
    CORS_ORIGINS: list.default([]),
    /** Failed logins per account (whatever the address) and per client address, per window. */
    LOGIN_RATE_LIMIT_PER_ACCOUNT: positiveInt.default(10),
    LOGIN_RATE_LIMIT_PER_ADDRESS: positiveInt.default(100),
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(900),
    REGISTER_RATE_LIMIT_PER_ADDRESS: positiveInt.default(20),
    REGISTER_RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(3600),
    /** Item creations and deletions per user, per window. */
    WRITE_RATE_LIMIT_PER_USER: positiveInt.default(600),
    WRITE_RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(60),
    /** Defaults to on, except in production. */
    DOCS_ENABLED: booleanFlag.optional(),
    BULL_BOARD_USER: z.string().min(1).optional(),
    BULL_BOARD_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      for (const name of ['JWT_SECRET', 'JWT_PREVIOUS_SECRET'] as const) {
        const secret = env[name];
        if (secret === undefined && name === 'JWT_PREVIOUS_SECRET') continue;
        if (!secret || secret.length < MIN_PRODUCTION_SECRET_LENGTH) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `must be set to a random string of at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`,
          });
        } else if (secret === DEV_JWT_SECRET) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'must not be the development default in production',
          });
        }
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
  .transform((env) => ({
    ...env,
    JWT_SECRET: env.JWT_SECRET ?? DEV_JWT_SECRET,
    // The OpenAPI UI maps the whole attack surface: opt in to it in production.
    DOCS_ENABLED: env.DOCS_ENABLED ?? env.NODE_ENV !== 'production',
  }));

const queueConcurrency = list.pipe(
  z
    .array(z.string().regex(/^[\w-]+=\d+$/, 'entries must look like queue=number'))
    .transform((entries) =>
      Object.fromEntries(
        entries.map((entry) => {
          const [queue, value] = entry.split('=') as [string, string];
          return [queue, Number(value)];
        }),
      ),
    ),
);

/**
 * How long the worker waits for its active jobs after SIGTERM; the deploy checks the value in force
 * against the compose stop grace period (DEPLOY_WORKER_STOP_GRACE_SECONDS).
 */
export const DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS = 25;

export const workerEnvSchema = baseEnvSchema
  .extend({
    // The pending-items sweep re-enqueues jobs, with the same retries and retention as the API.
    ...jobPolicyEnvSchema.shape,
    /** How often one worker looks for items still pending after ITEM_SWEEP_PENDING_AFTER_SECONDS. */
    ITEM_SWEEP_INTERVAL_SECONDS: positiveInt.default(60),
    /**
     * An item pending this long without a job gets one again; with a failed job it is marked
     * failed. Longer than an enqueue takes, so a request still enqueuing is never raced.
     */
    ITEM_SWEEP_PENDING_AFTER_SECONDS: positiveInt.default(300),
    /** Jobs one process runs at once on each queue, unless WORKER_QUEUE_CONCURRENCY says otherwise. */
    WORKER_CONCURRENCY: positiveInt.default(5),
    /** Per-queue overrides, e.g. `items=10`; names are checked against the queues the worker runs. */
    WORKER_QUEUE_CONCURRENCY: queueConcurrency.default({}),
    /**
     * How long SIGTERM waits for active jobs before closing anyway (they are then picked up again by
     * another worker). The orchestrator's stop grace period must be longer than this.
     */
    WORKER_DRAIN_TIMEOUT_SECONDS: positiveInt.default(DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS),
    WORKER_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
    /** Serves GET /health and GET /metrics. */
    WORKER_HEALTH_PORT: port.default(3001),
    /** A job whose worker stops renewing its lock for this long is considered stalled. */
    WORKER_LOCK_DURATION_MS: positiveInt.default(30_000),
    /** How often stalled jobs are looked for and moved back to waiting. */
    WORKER_STALLED_INTERVAL_MS: positiveInt.default(30_000),
    /** Test-only: every job sleeps this long first, so tests can act while it is active. */
    WORKER_TEST_JOB_DELAY_MS: z.coerce.number().int().min(0).default(0),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.WORKER_TEST_JOB_DELAY_MS > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_TEST_JOB_DELAY_MS'],
        message: 'is a test hook and must not be set in production',
      });
    }
  });

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;
export type BaseEnv = z.infer<typeof baseEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type JobPolicyEnv = z.infer<typeof jobPolicyEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
