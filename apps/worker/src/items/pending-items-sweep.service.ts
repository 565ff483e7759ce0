import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import {
  enqueueProcessItem,
  PROCESS_ITEM_QUEUE,
  processItemJobId,
  type ItemsQueue,
  type SweepPendingItemsResult,
} from '@starter/queue';
import type { DataSource } from 'typeorm';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';
import { DATA_SOURCE } from '../infrastructure/database.provider';
import { ItemProcessingService } from './item-processing.service';

const BATCH_SIZE = 500;

interface PendingRow {
  id: string;
  created_at: Date;
}

/**
 * Finds items still pending ITEM_SWEEP_PENDING_AFTER_SECONDS after their creation and makes sure
 * each ends somewhere: enqueued again under its deterministic job id when it has no job (BullMQ
 * ignores an add whose id exists, so a live job is never duplicated), or marked failed when its
 * job failed for good but the item was never marked (the database was down at the time).
 */
@Injectable()
export class PendingItemsSweep {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @InjectQueue(PROCESS_ITEM_QUEUE) private readonly queue: ItemsQueue,
    @Inject(ItemProcessingService) private readonly items: ItemProcessingService,
  ) {}

  async sweep(): Promise<SweepPendingItemsResult> {
    const result: SweepPendingItemsResult = { enqueued: 0, marked_failed: 0, live: 0 };
    // Keyset pagination on (created_at, id): each item is looked at once per sweep.
    let after: PendingRow = { id: '00000000-0000-0000-0000-000000000000', created_at: new Date(0) };
    for (;;) {
      const rows = await this.dataSource.query<PendingRow[]>(
        `SELECT id, created_at FROM items
          WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
            AND (created_at, id) > ($2, $3)
          ORDER BY created_at, id LIMIT $4`,
        [this.config.sweepPendingAfterSeconds, after.created_at, after.id, BATCH_SIZE],
      );
      for (const row of rows) result[await this.settle(row.id)] += 1;
      if (rows.length < BATCH_SIZE) return result;
      after = rows[rows.length - 1]!;
    }
  }

  private async settle(itemId: string): Promise<keyof SweepPendingItemsResult> {
    const jobId = processItemJobId(itemId);
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') {
      await enqueueProcessItem(this.queue, { itemId });
      return 'enqueued';
    }
    if (state === 'failed') {
      const job = await this.queue.getJob(jobId);
      await this.items.markFailed(itemId, job?.failedReason || 'the job failed');
      return 'marked_failed';
    }
    return 'live';
  }
}
