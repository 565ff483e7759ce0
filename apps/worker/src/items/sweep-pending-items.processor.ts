import { InjectQueue } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import {
  SWEEP_PENDING_ITEMS_JOB,
  SWEEP_PENDING_ITEMS_QUEUE,
  sweepPendingItemsPayloadSchema,
  type SweepPendingItemsPayload,
  type SweepPendingItemsResult,
} from '@starter/queue';
import type { Queue } from 'bullmq';
import type { Logger } from '@starter/logging';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';
import { LOGGER } from '../observability/logger';
import { WorkerMetrics } from '../observability/worker-metrics';
import { WorkerBase } from '../workers/worker-base';
import { PendingItemsSweep } from './pending-items-sweep.service';

/** Kept few: one sweep a minute leaves nothing worth a week of history. */
const KEEP_SWEEPS = 100;

/**
 * Runs the pending-items sweep every ITEM_SWEEP_INTERVAL_SECONDS. The schedule is a BullMQ job
 * scheduler, upserted by every worker under one id, so however many workers run, one sweep runs
 * per interval.
 */
export class SweepPendingItemsProcessor extends WorkerBase<
  SweepPendingItemsPayload,
  SweepPendingItemsResult
> {
  readonly queueName = SWEEP_PENDING_ITEMS_QUEUE;
  protected readonly jobName = SWEEP_PENDING_ITEMS_JOB;
  protected readonly payloadSchema = sweepPendingItemsPayloadSchema;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(WorkerMetrics) metrics: WorkerMetrics,
    @InjectQueue(SWEEP_PENDING_ITEMS_QUEUE) private readonly queue: Queue,
    @Inject(PendingItemsSweep) private readonly sweep: PendingItemsSweep,
  ) {
    super({ config, logger, metrics, queue });
  }

  override async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      SWEEP_PENDING_ITEMS_JOB,
      { every: this.config.sweepIntervalMs },
      {
        name: SWEEP_PENDING_ITEMS_JOB,
        data: {},
        opts: { removeOnComplete: KEEP_SWEEPS, removeOnFail: KEEP_SWEEPS },
      },
    );
    await super.onApplicationBootstrap();
  }

  protected logFields(): Record<string, unknown> {
    return {};
  }

  protected handle(): Promise<SweepPendingItemsResult> {
    return this.sweep.sweep();
  }
}
