import { PROCESS_ITEM_JOB, processItemJobId, enqueueProcessItem } from '@starter/queue';
import { createTestEnv, type TestEnv } from '@starter/testing';
import { descriptionChecksum } from '../src/items/item-digest';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

describe('process-item job', () => {
  let testEnv: TestEnv;
  let db: Database;
  let producer: Producer;
  let worker: WorkerProcess;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    db = await Database.connect(testEnv.databaseUrl);
    producer = Producer.create(testEnv.redisUrl, testEnv.redisPrefix, { attempts: 5 });
    worker = await WorkerProcess.start(testEnv.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.close();
    await db?.close();
    await testEnv?.cleanup();
  });

  it('computes word count and checksum, marks the item done and logs job and item ids', async () => {
    const itemId = await db.createItem('Buy milk', 'two litres\nsemi-skimmed');

    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    const job = await producer.waitForJob(jobId);

    const checksum = descriptionChecksum('two litres\nsemi-skimmed');
    expect(job.returnvalue).toEqual({
      outcome: 'processed',
      item_id: itemId,
      word_count: 5,
      checksum,
    });
    const row = await db.item(itemId);
    expect(row).toMatchObject({ status: 'done', word_count: 5, checksum, updates: 1 });
    expect(row!.processed_at).toBeInstanceOf(Date);
    const jobLines = worker.logs.filter((line) => line.jobId === jobId);
    expect(jobLines.map((line) => line.msg)).toEqual(['job started', 'job completed']);
    expect(jobLines.every((line) => line.itemId === itemId)).toBe(true);
  });

  it('changes nothing when it runs again on a done item', async () => {
    const itemId = await db.createItem('Once', null);
    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    await producer.waitForJob(jobId);
    const before = await db.item(itemId);

    // The stable job id dedupes while the completed job is kept; remove it to run again.
    await producer.queue.remove(jobId);
    await enqueueProcessItem(producer.queue, { itemId });
    const rerun = await producer.waitForJob(jobId);

    expect(rerun.returnvalue).toEqual({
      outcome: 'already_processed',
      item_id: itemId,
      word_count: 1,
      checksum: descriptionChecksum(''),
    });
    expect(await db.item(itemId)).toEqual(before);
    expect(before!.updates).toBe(1);
  });

  it('completes with item_deleted when the item no longer exists', async () => {
    const itemId = await db.createItem('Short-lived', 'gone soon');
    await db.deleteItem(itemId);

    const job = await producer.waitForJob(await enqueueProcessItem(producer.queue, { itemId }));

    expect(job.returnvalue).toEqual({ outcome: 'item_deleted', item_id: itemId });
  });

  it('fails an invalid payload at once, without retrying, and says why', async () => {
    await producer.queue.add(
      PROCESS_ITEM_JOB,
      { itemId: 'not-a-uuid' },
      {
        jobId: 'invalid-payload',
        attempts: 5,
      },
    );

    const job = await producer.waitForJob('invalid-payload', 'failed');

    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^invalid payload: .*itemId/s);
    await worker.waitForLog(
      (line) => line.jobId === 'invalid-payload' && line.msg === 'job failed',
    );
  });

  it('processes an item enqueued several times once', async () => {
    const itemId = await db.createItem('Popular', 'enqueued over and over');
    const completedBefore = await worker.metric('worker_jobs_completed_total', { queue: 'items' });

    const jobIds = await Promise.all(
      Array.from({ length: 5 }, () => enqueueProcessItem(producer.queue, { itemId })),
    );
    const job = await producer.waitForJob(processItemJobId(itemId));

    expect(new Set(jobIds)).toEqual(new Set([processItemJobId(itemId)]));
    expect(job.returnvalue.outcome).toBe('processed');
    expect(job.attemptsStarted).toBe(1);
    expect((await db.item(itemId))!.updates).toBe(1);
    expect(await worker.metric('worker_jobs_completed_total', { queue: 'items' })).toBe(
      completedBefore + 1,
    );
  });

  it('reports health and Prometheus metrics on the health port', async () => {
    const health = await worker.health();
    expect(health).toEqual({
      status: 200,
      body: {
        status: 'ok',
        healthy: true,
        redis: 'ready',
        workers: { items: 'running', maintenance: 'running' },
      },
    });

    const metrics = await worker.metrics();
    expect(
      await worker.metric('worker_jobs_completed_total', { queue: 'items' }),
    ).toBeGreaterThanOrEqual(4);
    expect(await worker.metric('worker_jobs_failed_total', { queue: 'items' })).toBe(1);
    expect(metrics).toMatch(
      /worker_job_duration_seconds_count\{queue="items",result="success"\} [1-9]/,
    );
    expect(
      await worker.metric('worker_queue_jobs', { queue: 'items', state: 'completed' }),
    ).toBeGreaterThanOrEqual(4);
    expect(await worker.metric('worker_queue_jobs', { queue: 'items', state: 'failed' })).toBe(1);
    expect(metrics).toContain('worker_jobs_retried_total');
  });
});
