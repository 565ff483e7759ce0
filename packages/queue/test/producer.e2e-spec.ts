import { randomUUID } from 'node:crypto';
import { uniqueName } from '@starter/testing';
import type { Redis } from 'ioredis';
import {
  createItemsQueue,
  createRedisConnection,
  enqueueProcessItem,
  PROCESS_ITEM_JOB,
  processItemJobId,
  type ItemsQueue,
} from '../src';

describe('process-item producer', () => {
  let redis: Redis;
  let queue: ItemsQueue;

  beforeAll(() => {
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer');
    queue = createItemsQueue(redis, uniqueName('test'));
  });

  afterAll(async () => {
    await queue.close();
    redis.disconnect();
  });

  it('adds one job per item under a stable id, however often it is enqueued', async () => {
    const itemId = randomUUID();

    const ids = await Promise.all([
      enqueueProcessItem(queue, { itemId }),
      enqueueProcessItem(queue, { itemId }),
      enqueueProcessItem(queue, { itemId }),
    ]);

    expect(new Set(ids)).toEqual(new Set([processItemJobId(itemId)]));
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.filter((job) => job.data.itemId === itemId)).toHaveLength(1);
    expect(jobs[0]!.name).toBe(PROCESS_ITEM_JOB);
  });

  it('applies the retry and retention policy to every job', async () => {
    const jobId = await enqueueProcessItem(queue, { itemId: randomUUID() });

    const job = await queue.getJob(jobId);

    expect(job!.opts).toMatchObject({
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: { count: 1000, age: 86_400 },
      removeOnFail: { count: 5000, age: 604_800 },
    });
  });

  it('refuses an invalid payload before it reaches Redis', async () => {
    const before = await queue.count();

    await expect(enqueueProcessItem(queue, { itemId: 'not-a-uuid' })).rejects.toThrow(/itemId/);
    await expect(
      enqueueProcessItem(queue, { itemId: randomUUID(), extra: 1 } as never),
    ).rejects.toThrow();
    expect(await queue.count()).toBe(before);
  });
});
