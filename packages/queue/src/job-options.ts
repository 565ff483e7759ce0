import { jobPolicyEnvSchema, type JobPolicyEnv } from '@starter/config';
import type { DefaultJobOptions } from 'bullmq';

export interface JobPolicy {
  attempts: number;
  backoffDelayMs: number;
  keepCompletedCount: number;
  keepCompletedSeconds: number;
  keepFailedCount: number;
  keepFailedSeconds: number;
}

/** The producer's policy from its environment (JOB_ATTEMPTS, JOB_BACKOFF_MS, JOB_KEEP_*). */
export function jobPolicyFromEnv(env: JobPolicyEnv): JobPolicy {
  return {
    attempts: env.JOB_ATTEMPTS,
    backoffDelayMs: env.JOB_BACKOFF_MS,
    keepCompletedCount: env.JOB_KEEP_COMPLETED_COUNT,
    keepCompletedSeconds: env.JOB_KEEP_COMPLETED_SECONDS,
    keepFailedCount: env.JOB_KEEP_FAILED_COUNT,
    keepFailedSeconds: env.JOB_KEEP_FAILED_SECONDS,
  };
}

/** The defaults live in the env schema; this is the policy of an empty environment. */
export const DEFAULT_JOB_POLICY: JobPolicy = jobPolicyFromEnv(jobPolicyEnvSchema.parse({}));

/** Retries with exponential backoff and jitter; completed and failed jobs kept by count and age. */
export function defaultJobOptions(policy: JobPolicy = DEFAULT_JOB_POLICY): DefaultJobOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffDelayMs, jitter: 0.5 },
    removeOnComplete: { count: policy.keepCompletedCount, age: policy.keepCompletedSeconds },
    removeOnFail: { count: policy.keepFailedCount, age: policy.keepFailedSeconds },
  };
}
