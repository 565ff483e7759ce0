import type { DefaultJobOptions } from 'bullmq';

export interface JobPolicy {
  attempts: number;
  backoffDelayMs: number;
  keepCompletedCount: number;
  keepCompletedSeconds: number;
  keepFailedCount: number;
  keepFailedSeconds: number;
}

export const DEFAULT_JOB_POLICY: JobPolicy = {
  attempts: 5,
  backoffDelayMs: 1_000,
  keepCompletedCount: 1_000,
  keepCompletedSeconds: 24 * 3600,
  keepFailedCount: 5_000,
  keepFailedSeconds: 7 * 24 * 3600,
};

/** Retries with exponential backoff and jitter; completed and failed jobs kept by count and age. */
export function defaultJobOptions(policy: JobPolicy = DEFAULT_JOB_POLICY): DefaultJobOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffDelayMs, jitter: 0.5 },
    removeOnComplete: { count: policy.keepCompletedCount, age: policy.keepCompletedSeconds },
    removeOnFail: { count: policy.keepFailedCount, age: policy.keepFailedSeconds },
  };
}
