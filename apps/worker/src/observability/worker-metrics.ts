import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REDIS } from '../infrastructure/redis.provider';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/** Prometheus metrics of this worker process, served on /metrics next to /health. */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly queues: Queue[] = [];

  readonly completed = new Counter({
    name: 'worker_jobs_completed_total',
    help: 'Jobs that completed',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  readonly failed = new Counter({
    name: 'worker_jobs_failed_total',
    help: 'Jobs that failed for good (no attempt left, or an unrecoverable error)',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  readonly retried = new Counter({
    name: 'worker_jobs_retried_total',
    help: 'Failed attempts that will be retried',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'worker_job_duration_seconds',
    help: 'Time spent running one attempt of a job',
    labelNames: ['queue', 'result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(@Inject(REDIS) redis: Redis) {
    collectDefaultMetrics({ register: this.registry });
    const queues = this.queues;
    new Gauge({
      name: 'worker_queue_jobs',
      help: 'Jobs in each queue by state, read from Redis at scrape time',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        // While Redis is away the counts would wait for it; a scrape reports no depth instead.
        if (redis.status !== 'ready') return;
        for (const queue of queues) {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES)
            this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  watchQueue(queue: Queue): void {
    this.queues.push(queue);
  }
}
