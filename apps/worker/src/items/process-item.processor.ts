import { Inject } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import {
  PROCESS_ITEM_JOB,
  PROCESS_ITEM_QUEUE,
  processItemPayloadSchema,
  type ProcessItemPayload,
  type ProcessItemResult,
} from '@starter/queue';
import type { Queue } from 'bullmq';
import type { Logger } from '@starter/logging';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';
import { LOGGER } from '../observability/logger';
import { WorkerMetrics } from '../observability/worker-metrics';
import { WorkerBase } from '../workers/worker-base';
import { ItemProcessingService } from './item-processing.service';

/** Consumes `process-item` jobs; registered with WorkerBase.register in WorkerModule. */
export class ProcessItemProcessor extends WorkerBase<ProcessItemPayload, ProcessItemResult> {
  readonly queueName = PROCESS_ITEM_QUEUE;
  protected readonly jobName = PROCESS_ITEM_JOB;
  protected readonly payloadSchema = processItemPayloadSchema;

  constructor(
    @Inject(WORKER_CONFIG) config: WorkerConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(WorkerMetrics) metrics: WorkerMetrics,
    @InjectQueue(PROCESS_ITEM_QUEUE) queue: Queue,
    @Inject(ItemProcessingService) private readonly items: ItemProcessingService,
  ) {
    super({ config, logger, metrics, queue });
  }

  protected logFields(payload: ProcessItemPayload): Record<string, unknown> {
    return { itemId: payload.itemId };
  }

  protected handle(payload: ProcessItemPayload): Promise<ProcessItemResult> {
    return this.items.process(payload.itemId);
  }

  /** If this write fails too (the database is what failed), the pending-items sweep retries it. */
  protected override async failedForGood(
    payload: ProcessItemPayload,
    reason: string,
  ): Promise<void> {
    await this.items.markFailed(payload.itemId, reason);
  }
}
