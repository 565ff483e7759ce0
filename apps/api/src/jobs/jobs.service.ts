import { Inject, Injectable } from '@nestjs/common';
import type { Item } from '@starter/db';
import type { ItemsQueue } from '@starter/queue';
import { ITEMS_QUEUE } from '../queue/queue.module';
import type { JobState, JobStatus } from './jobs.schemas';

/** BullMQ has more states than the API promises; a job waiting for a retry or its turn is `waiting`. */
function publicState(state: string): JobState {
  if (state === 'active' || state === 'completed' || state === 'failed') return state;
  return 'waiting';
}

@Injectable()
export class JobsService {
  constructor(@Inject(ITEMS_QUEUE) private readonly queue: ItemsQueue) {}

  async status(item: Item): Promise<JobStatus> {
    const jobId = item.jobId!;
    const job = await this.queue.getJob(jobId);
    if (!job) return this.fromRetainedRow(jobId, item);
    const state = publicState(await job.getState());
    return {
      id: jobId,
      state,
      ...(state === 'completed' ? { result: job.returnvalue } : {}),
      ...(state === 'failed' ? { failed_reason: job.failedReason } : {}),
    };
  }

  /** Finished jobs are pruned after their retention period; the item row still tells the outcome. */
  private fromRetainedRow(jobId: string, item: Item): JobStatus {
    if (item.status === 'failed') {
      return { id: jobId, state: 'failed', failed_reason: item.failureReason ?? '' };
    }
    if (item.status !== 'done') return { id: jobId, state: 'waiting' };
    return {
      id: jobId,
      state: 'completed',
      result: {
        outcome: 'processed',
        item_id: item.id,
        word_count: item.wordCount ?? 0,
        checksum: item.checksum ?? '',
      },
    };
  }
}
