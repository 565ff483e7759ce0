import { enqueueProcessItem } from '@starter/queue';
import { createTestEnv, type TestEnv } from '@starter/testing';
import { Client } from 'pg';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

describe('a query that hangs', () => {
  let testEnv: TestEnv;
  let db: Database;
  let lockHolder: Client;
  let producer: Producer;
  let worker: WorkerProcess;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    db = await Database.connect(testEnv.databaseUrl);
    lockHolder = new Client({ connectionString: testEnv.databaseUrl });
    await lockHolder.connect();
    producer = Producer.create(testEnv.redisUrl, testEnv.redisPrefix, {
      attempts: 20,
      backoffDelayMs: 100,
    });
    worker = await WorkerProcess.start({ ...testEnv.env, DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.close();
    await lockHolder?.end();
    await db?.close();
    await testEnv?.cleanup();
  });

  it('fails its attempt at the statement timeout instead of holding the job, then succeeds', async () => {
    const itemId = await db.createItem('Locked', 'by another session');
    // Another session holds the row: the worker's UPDATE waits for it.
    await lockHolder.query('BEGIN');
    await lockHolder.query('SELECT 1 FROM items WHERE id = $1 FOR UPDATE', [itemId]);

    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    const failedAttempt = await worker.waitForLog(
      (line) => line.jobId === jobId && line.msg === 'job attempt failed, will retry',
    );
    await lockHolder.query('ROLLBACK');
    const job = await producer.waitForJob(jobId);

    expect(JSON.stringify(failedAttempt.err)).toMatch(/statement timeout/);
    expect(job.returnvalue.outcome).toBe('processed');
    expect(await db.item(itemId)).toMatchObject({ status: 'done' });
  });
});
