import { randomUUID } from 'node:crypto';
import {
  createItemsQueue,
  createRedisConnection,
  PROCESS_ITEM_JOB,
  processItemJobId,
  type ItemsQueue,
} from '@starter/queue';
import type { Pool } from 'pg';
import { logTail, type Service } from './bench-processes';
import type { RunFigures } from './bench-results';

const ENQUEUE_BATCH = 1_000;
const POLL_MS = 100;

export interface DrainBatch {
  ownerId: string;
  prefix: string;
  jobs: number;
}

/**
 * Inserts `jobs` pending items for a new owner and queues one process-item job each (ids and
 * names from the shared queue package) under `prefix`, in a paused queue: a worker started on it
 * takes none of them until `releaseDrain`, so its idle memory can be read first.
 */
export async function queueDrainBatch(
  pool: Pool,
  redisUrl: string,
  prefix: string,
  jobs: number,
  description: string,
): Promise<DrainBatch> {
  const ownerId = randomUUID();
  await pool.query(`INSERT INTO users (id, email, password_hash) VALUES ($1, $2, 'x')`, [
    ownerId,
    `drain-${ownerId}@bench.invalid`,
  ]);
  const ids = Array.from({ length: jobs }, () => randomUUID());
  await pool.query(
    `INSERT INTO items (id, owner_id, title, description, job_id)
     SELECT id, $2, 'drain item', $3, job_id FROM unnest($1::uuid[], $4::text[]) AS t(id, job_id)`,
    [ids, ownerId, description, ids.map(processItemJobId)],
  );
  await withQueue(redisUrl, prefix, async (queue) => {
    await queue.pause();
    for (let start = 0; start < ids.length; start += ENQUEUE_BATCH) {
      await queue.addBulk(
        ids.slice(start, start + ENQUEUE_BATCH).map((itemId) => ({
          name: PROCESS_ITEM_JOB,
          data: { itemId },
          opts: { jobId: processItemJobId(itemId) },
        })),
      );
    }
  });
  return { ownerId, prefix, jobs };
}

/**
 * Waits until every item of the batch is done and returns the rate at which they were processed,
 * from the first to the last processed_at (so the worker's start-up is not counted), and the
 * number of failed jobs as errors.
 */
export async function awaitDrain(
  pool: Pool,
  redisUrl: string,
  batch: DrainBatch,
  timeoutMs: number,
): Promise<RunFigures> {
  const started = performance.now();
  for (;;) {
    const { rows } = await pool.query<{ done: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS done, min(processed_at) AS first, max(processed_at) AS last
       FROM items WHERE owner_id = $1 AND status = 'done'`,
      [batch.ownerId],
    );
    const { done, first, last } = rows[0]!;
    if (done === batch.jobs && first && last) {
      const seconds = Math.max(last.getTime() - first.getTime(), 1) / 1000;
      return {
        rps: batch.jobs / seconds,
        p50Ms: null,
        p99Ms: null,
        errors: await failed(redisUrl, batch),
      };
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`drain: ${done} of ${batch.jobs} items done after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function withQueue<T>(
  redisUrl: string,
  prefix: string,
  use: (queue: ItemsQueue) => Promise<T>,
): Promise<T> {
  const redis = createRedisConnection(redisUrl, 'producer');
  const queue = createItemsQueue(redis, prefix);
  try {
    return await use(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Waits until a worker listens on the batch's queue; fails if `service` exits first. */
export async function waitForConsumer(
  service: Service,
  redisUrl: string,
  batch: DrainBatch,
  timeoutMs = 30_000,
): Promise<void> {
  await withQueue(redisUrl, batch.prefix, async (queue) => {
    const started = performance.now();
    while ((await queue.getWorkersCount()) === 0) {
      if (service.child.exitCode !== null || service.child.signalCode !== null) {
        throw new Error(`${service.name} exited before it consumed:\n${logTail(service)}`);
      }
      if (performance.now() - started > timeoutMs) {
        throw new Error(`${service.name} did not consume within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });
}

/** Lets the workers take the batch's jobs. */
export function releaseDrain(redisUrl: string, batch: DrainBatch): Promise<void> {
  return withQueue(redisUrl, batch.prefix, (queue) => queue.resume());
}

function failed(redisUrl: string, batch: DrainBatch): Promise<number> {
  return withQueue(
    redisUrl,
    batch.prefix,
    async (queue) => (await queue.getJobCounts('failed')).failed ?? 0,
  );
}
