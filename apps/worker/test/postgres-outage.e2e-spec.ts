import { enqueueProcessItem } from '@starter/queue';
import { createTestEnv, eventually, withDatabase, type TestEnv } from '@starter/testing';
import { Client } from 'pg';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

describe('PostgreSQL unavailable', () => {
  let testEnv: TestEnv;
  let db: Database;
  let admin: Client;
  let producer: Producer;
  let worker: WorkerProcess;

  const setConnectionsAllowed = async (allowed: boolean) => {
    const name = new URL(testEnv.databaseUrl).pathname.slice(1);
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
    }
  };

  beforeAll(async () => {
    testEnv = await createTestEnv();
    admin = new Client({ connectionString: withDatabase(testEnv.databaseUrl, 'postgres') });
    await admin.connect();
    producer = Producer.create(testEnv.redisUrl, testEnv.redisPrefix, {
      attempts: 20,
      backoffDelayMs: 100,
    });
    worker = await WorkerProcess.start(testEnv.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.close();
    await db?.close();
    if (testEnv) await setConnectionsAllowed(true);
    await admin?.end();
    await testEnv?.cleanup();
  });

  it('fails attempts and retries them with backoff until the database is back', async () => {
    const setup = await Database.connect(testEnv.databaseUrl);
    const itemId = await setup.createItem('Patient', 'waits for the database');
    await setup.close();
    await setConnectionsAllowed(false);

    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    await eventually(
      () => worker.metric('worker_jobs_retried_total', { queue: 'items' }),
      (retried) => retried >= 2,
      { what: 'two failed attempts retried' },
    );
    expect(await producer.queue.getJobState(jobId)).not.toBe('failed');
    await setConnectionsAllowed(true);
    const job = await producer.waitForJob(jobId);

    expect(job.returnvalue.outcome).toBe('processed');
    expect(job.attemptsMade).toBeGreaterThanOrEqual(3);
    db = await Database.connect(testEnv.databaseUrl);
    expect(await db.item(itemId)).toMatchObject({ status: 'done' });
    expect(worker.child.exitCode).toBeNull();
    await worker.waitForLog(
      (line) => line.jobId === jobId && line.msg === 'job attempt failed, will retry',
    );
  });
});
