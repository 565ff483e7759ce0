import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import type { BeforeApplicationShutdown, OnApplicationBootstrap, Type } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { QueueName } from '@starter/queue';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Logger } from '@starter/logging';
import { z } from 'zod';
import type { WorkerConfig } from '../config/worker.config';
import type { WorkerMetrics } from '../observability/worker-metrics';

/** Every WorkerBase in the application, for the health check and the shutdown sequence. */
export const WORKERS = Symbol('WORKERS');

export type WorkerState = 'starting' | 'running' | 'paused' | 'closing' | 'closed';

export interface WorkerDependencies {
  config: WorkerConfig;
  logger: Logger;
  metrics: WorkerMetrics;
  queue: Queue;
}

/**
 * The lifecycle every queue worker shares: payload validation, per-job logging and metrics,
 * start after the boot checks, health state, and a drain bounded by WORKER_DRAIN_TIMEOUT_SECONDS.
 * A subclass names its queue and payload schema and delegates the work to a service.
 */
export abstract class WorkerBase<Payload, Result>
  extends WorkerHost
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  abstract readonly queueName: QueueName;
  /** The one job name this queue carries. */
  protected abstract readonly jobName: string;
  protected abstract readonly payloadSchema: z.ZodType<Payload>;
  private started = false;

  protected constructor(protected readonly deps: WorkerDependencies) {
    super();
  }

  /** Fields that identify the job's subject on every log line, e.g. `{ itemId }`. */
  protected abstract logFields(payload: Payload): Record<string, unknown>;

  protected abstract handle(payload: Payload, job: Job): Promise<Result>;

  /** Runs once a job has failed for good (no attempt left, or unrecoverable), e.g. to record it. */
  protected failedForGood(_payload: Payload, _reason: string): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Registers `processor` with @nestjs/bullmq. The options come from the environment, so the
   * @Processor decorator is applied when the module is built rather than where the class is
   * declared. `autorun: false`: workers start in onApplicationBootstrap, after the boot checks.
   */
  static register(
    processor: Type<WorkerBase<unknown, unknown>>,
    queue: QueueName,
    config: WorkerConfig,
  ): void {
    Processor(queue, {
      autorun: false,
      concurrency: config.concurrency[queue],
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      // Shows in each job's processedBy, which tells which process ran it.
      name: `${hostname()}:${process.pid}`,
    })(processor);
  }

  async process(job: Job): Promise<Result> {
    const started = performance.now();
    try {
      if (job.name !== this.jobName) {
        throw new UnrecoverableError(`unknown job name "${job.name}" on queue ${this.queueName}`);
      }
      const parsed = this.payloadSchema.safeParse(job.data);
      if (!parsed.success) {
        // A malformed payload fails the same way on every attempt: fail the job now.
        throw new UnrecoverableError(`invalid payload: ${z.prettifyError(parsed.error)}`);
      }
      // A child logger per job only where the line is written.
      if (this.deps.logger.isLevelEnabled('debug')) this.jobLogger(job).debug('job started');
      if (this.deps.config.testJobDelayMs > 0) await sleep(this.deps.config.testJobDelayMs);
      const result = await this.handle(parsed.data, job);
      this.observe(started, 'success');
      return result;
    } catch (error) {
      this.observe(started, 'failure');
      throw error;
    }
  }

  onApplicationBootstrap(): Promise<void> {
    const { worker } = this;
    worker.on('completed', (job: Job, result: unknown) => {
      this.deps.metrics.completed.inc({ queue: this.queueName });
      this.jobLogger(job).info({ result }, 'job completed');
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      // BullMQ sets finishedOn only when the job moved to failed, i.e. it will not be retried.
      const final = job.finishedOn !== undefined;
      (final ? this.deps.metrics.failed : this.deps.metrics.retried).inc({ queue: this.queueName });
      const log = this.jobLogger(job);
      log[final ? 'error' : 'warn'](
        { err: error, willRetry: !final },
        final ? 'job failed' : 'job attempt failed, will retry',
      );
      const parsed = this.payloadSchema.safeParse(job.data);
      if (final && parsed.success) {
        this.failedForGood(parsed.data, error.message).catch((recordError: unknown) =>
          log.error({ err: recordError }, 'could not record that the job failed for good'),
        );
      }
    });
    worker.on('stalled', (jobId: string) => {
      void this.deps.queue.getJob(jobId).then(
        (job) =>
          (job ? this.jobLogger(job) : this.deps.logger.child({ jobId })).warn(
            'job stalled (its worker stopped renewing the lock), moved back to waiting',
          ),
        (error: unknown) => this.deps.logger.warn({ err: error, jobId }, 'job stalled'),
      );
    });
    // Without a listener an 'error' event would crash the process; BullMQ retries on its own.
    worker.on('error', (error: Error) => {
      this.deps.logger.error({ err: error, queue: this.queueName }, 'worker error');
    });
    this.deps.metrics.watchQueue(this.deps.queue);
    worker.run().catch((error: unknown) => {
      this.deps.logger.fatal({ err: error, queue: this.queueName }, 'worker stopped unexpectedly');
      process.exitCode = 1;
    });
    this.started = true;
    // A promise so that a subclass can prepare asynchronously (await) before calling it.
    return Promise.resolve();
  }

  state(): WorkerState {
    const { worker } = this;
    if (worker.closing) return worker.isRunning() ? 'closing' : 'closed';
    if (!this.started) return 'starting';
    return worker.isPaused() ? 'paused' : 'running';
  }

  /**
   * SIGTERM: take no new job, give active jobs the drain timeout to finish, then close. Jobs still
   * running then keep their Redis state and are picked up again once their lock expires.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const timeoutMs = this.deps.config.drainTimeoutMs;
    const log = this.deps.logger.child({ queue: this.queueName });
    log.info({ drainTimeoutMs: timeoutMs }, 'draining: waiting for active jobs');
    const timer = new AbortController();
    const drained = await Promise.race([
      this.worker.pause().then(() => true),
      sleep(timeoutMs, false, { signal: timer.signal }),
    ]);
    timer.abort();
    if (!drained) log.warn('drain timeout reached: closing with jobs still active');
    await this.worker.close(!drained);
    log.info('worker closed');
  }

  private jobLogger(job: Job): Logger {
    const parsed = this.payloadSchema.safeParse(job.data);
    return this.deps.logger.child({
      queue: this.queueName,
      jobId: job.id,
      jobName: job.name,
      attempt: job.attemptsStarted,
      ...(parsed.success ? this.logFields(parsed.data) : {}),
    });
  }

  private observe(startedAt: number, result: 'success' | 'failure'): void {
    const seconds = (performance.now() - startedAt) / 1000;
    this.deps.metrics.duration.observe({ queue: this.queueName, result }, seconds);
  }
}
