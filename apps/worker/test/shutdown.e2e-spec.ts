import { enqueueProcessItem, PROCESS_ITEM_QUEUE } from '@starter/queue';
import { createTestEnv, type TestEnv } from '@starter/testing';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

// Short locks so a job whose worker died is found stalled within about a second.
const QUICK_STALL = { WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500' };
// Longer than any test: a job that only ends when its worker does.
const ENDLESS_JOB = { WORKER_TEST_JOB_DELAY_MS: '600000' };

describe('worker shutdown', () => {
  let testEnv: TestEnv;
  let db: Database;
  let producer: Producer;
  const workers: WorkerProcess[] = [];

  const startWorker = async (env: Record<string, string>) => {
    const worker = await WorkerProcess.start({ ...testEnv.env, ...QUICK_STALL, ...env });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    testEnv = await createTestEnv();
    db = await Database.connect(testEnv.databaseUrl);
    producer = Producer.create(testEnv.redisUrl, testEnv.redisPrefix);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  afterAll(async () => {
    await producer?.close();
    await db?.close();
    await testEnv?.cleanup();
  });

  it('on SIGTERM takes no new job, finishes the active one, then exits 0', async () => {
    const worker = await startWorker({ WORKER_CONCURRENCY: '1' });
    const first = await db.createItem('Slow', 'one');
    const second = await db.createItem('Never started', 'two');
    // The first job stays active, blocked at its write, until the lock is released.
    const lock = await db.holdItemLock(first);
    const firstJob = await enqueueProcessItem(producer.queue, { itemId: first });
    await worker.waitForLog((line) => line.jobId === firstJob && line.msg === 'job started');
    await enqueueProcessItem(producer.queue, { itemId: second });

    worker.child.kill('SIGTERM');
    // The items worker's own drain: the maintenance queue's worker drains beside it.
    await worker.waitForLog(
      (line) =>
        line.msg === 'draining: waiting for active jobs' && line.queue === PROCESS_ITEM_QUEUE,
    );
    const duringDrain = await worker.health();
    await lock.release();

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(duringDrain.status).toBe(503);
    expect(await db.item(first)).toMatchObject({ status: 'done', updates: 1 });
    expect(await db.item(second)).toMatchObject({ status: 'pending', updates: 0 });
    expect(await producer.queue.getJobState(firstJob)).toBe('completed');
    const messages = worker.logs.map((line) => line.msg);
    expect(messages.indexOf('shutting down')).toBeLessThan(
      worker.logs.findIndex((line) => line.jobId === firstJob && line.msg === 'job completed'),
    );
    expect(messages.at(-1)).toBe('worker stopped');
  });

  it('closes after the drain timeout, and the unfinished job is completed by another worker', async () => {
    const stuck = await startWorker({ ...ENDLESS_JOB, WORKER_DRAIN_TIMEOUT_SECONDS: '1' });
    const itemId = await db.createItem('Too slow to drain', 'left behind');
    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    await stuck.waitForLog((line) => line.jobId === jobId && line.msg === 'job started');

    stuck.child.kill('SIGTERM');
    // Exit 0 rather than 1: it closed within the grace its own shutdown deadline gives it.
    expect(await stuck.exited).toEqual({ code: 0, signal: null });
    await stuck.waitForLog(
      (line) => line.msg === 'drain timeout reached: closing with jobs still active',
    );
    expect(await db.item(itemId)).toMatchObject({ status: 'pending' });

    await startWorker({});
    const job = await producer.waitForJob(jobId);
    expect(job.returnvalue.outcome).toBe('processed');
    expect(await db.item(itemId)).toMatchObject({ status: 'done', updates: 1 });
  });

  it('after kill -9 mid-job, a new worker picks the job up again and applies it once', async () => {
    const killed = await startWorker(ENDLESS_JOB);
    const itemId = await db.createItem('Interrupted', 'by kill -9');
    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    await killed.waitForLog((line) => line.jobId === jobId && line.msg === 'job started');

    killed.child.kill('SIGKILL');
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await producer.queue.getJobState(jobId)).toBe('active');

    const rescuer = await startWorker({});
    const job = await producer.waitForJob(jobId);

    expect(job.returnvalue.outcome).toBe('processed');
    expect(job.attemptsStarted).toBe(2);
    expect(await db.item(itemId)).toMatchObject({ status: 'done', updates: 1 });
    await rescuer.waitForLog((line) => line.jobId === jobId && line.msg.startsWith('job stalled'));
  });
});
