import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { defaultJobOptions, PROCESS_ITEM_QUEUE, SWEEP_PENDING_ITEMS_QUEUE } from '@starter/queue';
import type { Redis } from 'ioredis';
import type { Logger } from '@starter/logging';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker.config';
import { DatabaseLifecycle, dataSourceProvider } from './infrastructure/database.provider';
import { REDIS, RedisLifecycle, redisProvider } from './infrastructure/redis.provider';
import { ItemProcessingService } from './items/item-processing.service';
import { PendingItemsSweep } from './items/pending-items-sweep.service';
import { ProcessItemProcessor } from './items/process-item.processor';
import { SweepPendingItemsProcessor } from './items/sweep-pending-items.processor';
import { LOGGER } from './observability/logger';
import { WorkerHealth } from './observability/worker.health';
import { WorkerMetrics } from './observability/worker-metrics';
import { WORKERS, WorkerBase } from './workers/worker-base';

/** Adding a queue: a processor class here, in WORKERS, and its queue in registerQueue. */
const PROCESSORS = [ProcessItemProcessor, SweepPendingItemsProcessor] as const;

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig, logger: Logger): DynamicModule {
    WorkerBase.register(ProcessItemProcessor, PROCESS_ITEM_QUEUE, config);
    WorkerBase.register(SweepPendingItemsProcessor, SWEEP_PENDING_ITEMS_QUEUE, config);
    const shared = [
      { provide: WORKER_CONFIG, useValue: config },
      { provide: LOGGER, useValue: logger },
      redisProvider,
    ];
    return {
      module: WorkerModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          useFactory: (redis: Redis) => ({ connection: redis, prefix: config.env.REDIS_PREFIX }),
          inject: [REDIS],
        }),
        BullModule.registerQueue(
          // The sweep enqueues here, with the job options the API uses.
          { name: PROCESS_ITEM_QUEUE, defaultJobOptions: defaultJobOptions(config.jobPolicy) },
          { name: SWEEP_PENDING_ITEMS_QUEUE },
        ),
      ],
      providers: [
        ...shared,
        RedisLifecycle,
        dataSourceProvider,
        DatabaseLifecycle,
        WorkerMetrics,
        WorkerHealth,
        ItemProcessingService,
        PendingItemsSweep,
        ...PROCESSORS,
        {
          provide: WORKERS,
          useFactory: (...workers: WorkerBase<unknown, unknown>[]) => workers,
          inject: [...PROCESSORS],
        },
      ],
      exports: [WORKER_CONFIG, LOGGER, REDIS],
    };
  }
}
