import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  PROCESS_ITEM_JOB,
  PROCESS_ITEM_QUEUE,
  processItemJobId,
  processItemPayloadSchema,
  type ProcessItemPayload,
  type ProcessItemResult,
} from './jobs/process-item.job';
import { defaultJobOptions, type JobPolicy } from './job-options';

export type ItemsQueue = Queue<ProcessItemPayload, ProcessItemResult, typeof PROCESS_ITEM_JOB>;

export function createItemsQueue(
  connection: Redis,
  prefix: string,
  policy?: JobPolicy,
): ItemsQueue {
  return new Queue(PROCESS_ITEM_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: defaultJobOptions(policy),
  });
}

/** Enqueues processing for an item; returns the job id (stable per item). */
export async function enqueueProcessItem(
  queue: ItemsQueue,
  payload: ProcessItemPayload,
  options: JobsOptions = {},
): Promise<string> {
  const data = processItemPayloadSchema.parse(payload);
  const jobId = processItemJobId(data.itemId);
  await queue.add(PROCESS_ITEM_JOB, data, { ...options, jobId });
  return jobId;
}
