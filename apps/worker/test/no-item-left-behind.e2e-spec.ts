import { enqueueProcessItem, processItemJobId, type SweepPendingItemsResult } from '@starter/queue';
import { createTestEnv, eventually, type TestEnv } from '@starter/testing';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess, type LogLine } from './support/worker-process';

const SWEEP_TIMEOUT_MS = 20_000;

describe('no item left behind', () => {
  let testEnv: TestEnv;
  let db: Database;
  let producer: Producer;
  let worker: WorkerProcess;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    db = await Database.connect(testEnv.databaseUrl);
    producer = Producer.create(testEnv.redisUrl, testEnv.redisPrefix, {
      attempts: 2,
      backoffDelayMs: 100,
    });
    worker = await WorkerProcess.start({
      ...testEnv.env,
      ITEM_SWEEP_INTERVAL_SECONDS: '1',
      // Items created by a test are fresh: only the ones it backdates are the sweep's.
      ITEM_SWEEP_PENDING_AFTER_SECONDS: '60',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.close();
    await db?.close();
    await testEnv?.cleanup();
  });

  /** An item as the API leaves it when it dies between the INSERT and the enqueue, an hour ago. */
  const abandonedItem = async (title: string) => {
    const itemId = await db.createItem(title, null);
    await db.query(`UPDATE items SET created_at = now() - interval '1 hour' WHERE id = $1`, [
      itemId,
    ]);
    return itemId;
  };
  /** Makes PostgreSQL refuse updates of one item that match `condition` (on NEW). */
  const refuseUpdates = async (itemId: string, condition: string, message: string) => {
    const name = `refuse_${itemId.replace(/-/g, '_')}`;
    await db.query(`
      CREATE FUNCTION ${name}() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '${message}'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER ${name} BEFORE UPDATE ON items FOR EACH ROW
        WHEN (OLD.id = '${itemId}' AND ${condition}) EXECUTE FUNCTION ${name}();
    `);
    return () => db.query(`DROP TRIGGER ${name} ON items; DROP FUNCTION ${name}();`);
  };
  const sweepAfter = (since: number, accept: (result: SweepPendingItemsResult) => boolean) =>
    worker.waitForLog(
      (line: LogLine) =>
        line.queue === 'maintenance' &&
        line.msg === 'job completed' &&
        Date.parse(line.time as string) > since &&
        accept(line.result as SweepPendingItemsResult),
      SWEEP_TIMEOUT_MS,
    );

  it('enqueues a pending item that never got its job, under its own job id, and it ends done', async () => {
    const itemId = await abandonedItem('Orphan');

    const job = await producer.waitForJob(processItemJobId(itemId), 'completed', SWEEP_TIMEOUT_MS);

    expect(job.returnvalue).toMatchObject({ outcome: 'processed', item_id: itemId });
    expect(await db.item(itemId)).toMatchObject({ status: 'done' });
  });

  it('leaves an item with a live job alone: the job is not duplicated or replaced', async () => {
    const itemId = await abandonedItem('Waiting its turn');
    const jobId = await enqueueProcessItem(producer.queue, { itemId }, { delay: 10 * 60_000 });
    const before = await producer.queue.getJob(jobId);
    const since = Date.now();

    await sweepAfter(since, (result) => result.live >= 1);

    const after = await producer.queue.getJob(jobId);
    expect(await after!.getState()).toBe('delayed');
    expect(after!.timestamp).toBe(before!.timestamp);
    expect(after!.attemptsStarted).toBe(0);
    expect(await producer.queue.getJobCounts('waiting', 'active', 'delayed')).toMatchObject({
      delayed: 1,
    });
    expect(await db.item(itemId)).toMatchObject({ status: 'pending' });
  });

  it('marks an item failed, with the reason, once its job has failed for good', async () => {
    const itemId = await db.createItem('Doomed', 'never done');
    await refuseUpdates(itemId, `NEW.status = 'done'`, 'disk on fire');

    const jobId = await enqueueProcessItem(producer.queue, { itemId });
    await producer.waitForJob(jobId, 'failed');

    const item = await eventually(
      () => db.query('SELECT status, failure_reason FROM items WHERE id = $1', [itemId]),
      ({ rows }) => rows[0]?.status === 'failed',
      { what: `item ${itemId} failed` },
    );
    expect(item.rows[0].failure_reason).toContain('disk on fire');
  });

  it('marks the item failed later when the database refused that write at the time', async () => {
    const itemId = await abandonedItem('Failed while the database was away');
    const allowUpdates = await refuseUpdates(itemId, 'true', 'database unavailable');
    const jobId = await enqueueProcessItem(producer.queue, { itemId }, { attempts: 1 });
    await producer.waitForJob(jobId, 'failed');
    await worker.waitForLog(
      (line) =>
        line.jobId === jobId && line.msg === 'could not record that the job failed for good',
    );
    expect(await db.item(itemId)).toMatchObject({ status: 'pending' });

    await allowUpdates();

    const item = await eventually(
      () => db.query('SELECT status, failure_reason FROM items WHERE id = $1', [itemId]),
      ({ rows }) => rows[0]?.status === 'failed',
      { what: `item ${itemId} failed by the sweep`, timeoutMs: SWEEP_TIMEOUT_MS },
    );
    expect(item.rows[0].failure_reason).toContain('database unavailable');
  });
});
