import { enqueueProcessItem } from '@starter/queue';
import { createTestEnv, type TestEnv } from '@starter/testing';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

describe('several worker processes', () => {
  let testEnv: TestEnv;
  let db: Database;
  let producer: Producer;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    testEnv = await createTestEnv();
    db = await Database.connect(testEnv.databaseUrl);
    producer = Producer.create(testEnv.redisUrl, testEnv.redisPrefix);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await producer?.close();
    await db?.close();
    await testEnv?.cleanup();
  });

  it('run every job exactly once between them, and all complete', async () => {
    workers = await Promise.all(
      Array.from({ length: 3 }, () =>
        WorkerProcess.start({
          ...testEnv.env,
          WORKER_CONCURRENCY: '1',
          WORKER_QUEUE_CONCURRENCY: 'items=2',
          WORKER_TEST_JOB_DELAY_MS: '50',
        }),
      ),
    );
    for (const worker of workers) {
      expect(worker.logs.find((line) => line.msg === 'worker ready')).toMatchObject({
        concurrency: { items: 2 },
      });
    }
    const itemIds = await Promise.all(
      Array.from({ length: 30 }, (_, index) => db.createItem(`Item ${index}`, 'shared load')),
    );

    const jobIds = await Promise.all(
      itemIds.map((itemId) => enqueueProcessItem(producer.queue, { itemId })),
    );
    const jobs = await Promise.all(jobIds.map((jobId) => producer.waitForJob(jobId)));

    expect(jobs.every((job) => job.returnvalue.outcome === 'processed')).toBe(true);
    expect(jobs.every((job) => job.attemptsStarted === 1)).toBe(true);
    // Which worker got how many is the scheduler's business; each job ran in one of these three.
    const pids = new Set(workers.map((worker) => String(worker.child.pid)));
    expect(jobs.every((job) => pids.has(job.processedBy!.split(':').at(-1)!))).toBe(true);
    const rows = await Promise.all(itemIds.map((itemId) => db.item(itemId)));
    expect(rows.every((row) => row?.status === 'done' && row.updates === 1)).toBe(true);
    const completed = await Promise.all(
      workers.map((worker) => worker.metric('worker_jobs_completed_total', { queue: 'items' })),
    );
    expect(completed.reduce((sum, count) => sum + count, 0)).toBe(30);
  });
});
