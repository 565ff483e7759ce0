import type { WorkerEnv } from '@starter/config';
import { jobPolicyFromEnv, QUEUES, type JobPolicy, type QueueName } from '@starter/queue';

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

/** The worker's settings, derived once from the validated environment. */
export interface WorkerConfig {
  env: WorkerEnv;
  concurrency: Record<QueueName, number>;
  drainTimeoutMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  testJobDelayMs: number;
  /** Retries and retention of the jobs the sweep enqueues again, as the API sets them. */
  jobPolicy: JobPolicy;
  sweepIntervalMs: number;
  sweepPendingAfterSeconds: number;
}

export function workerConfigFromEnv(env: WorkerEnv): WorkerConfig {
  const queueNames: string[] = Object.values(QUEUES);
  const unknown = Object.keys(env.WORKER_QUEUE_CONCURRENCY).filter(
    (name) => !queueNames.includes(name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `WORKER_QUEUE_CONCURRENCY names unknown queues: ${unknown.join(', ')} ` +
        `(known: ${queueNames.join(', ')})`,
    );
  }
  const concurrency = Object.fromEntries(
    queueNames.map((name) => [name, env.WORKER_QUEUE_CONCURRENCY[name] ?? env.WORKER_CONCURRENCY]),
  ) as Record<QueueName, number>;
  return {
    env,
    concurrency,
    drainTimeoutMs: env.WORKER_DRAIN_TIMEOUT_SECONDS * 1000,
    lockDurationMs: env.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
    testJobDelayMs: env.WORKER_TEST_JOB_DELAY_MS,
    jobPolicy: jobPolicyFromEnv(env),
    sweepIntervalMs: env.ITEM_SWEEP_INTERVAL_SECONDS * 1000,
    sweepPendingAfterSeconds: env.ITEM_SWEEP_PENDING_AFTER_SECONDS,
  };
}
