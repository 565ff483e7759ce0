import { createDataSource } from '@starter/db';
import { createTestEnv, eventually, type TestEnv } from '@starter/testing';
import type { DataSource } from 'typeorm';
import { ItemProcessingService } from '../src/items/item-processing.service';
import { Database } from './support/fixtures';

// Two attempts on one item that both read it while it is still pending, then both write: only the
// UPDATE's own `status <> 'done'` condition can keep the second from applying again (the early
// return on a done item never sees it done).
describe('two concurrent attempts on one item', () => {
  let testEnv: TestEnv;
  let db: Database;
  let dataSource: DataSource;
  let processing: ItemProcessingService;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    db = await Database.connect(testEnv.databaseUrl);
    dataSource = await createDataSource({
      url: testEnv.databaseUrl,
      poolSize: 4,
      applicationName: 'apply-once-test',
    }).initialize();
    processing = new ItemProcessingService(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
    await testEnv?.cleanup();
  });

  /** Backends of this test's data source waiting for a row lock: the attempts blocked at their UPDATE. */
  const attemptsWaitingOnLock = async () => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE application_name = 'apply-once-test' AND wait_event_type = 'Lock'`,
    );
    return rows[0].waiting as number;
  };

  it('apply the result once: one processed, one already_processed, one write', async () => {
    const itemId = await db.createItem('Raced', 'two attempts at once');
    // With the row locked, both attempts read the pending item and queue up at their UPDATE.
    const lock = await db.holdItemLock(itemId);

    const attempts = [processing.process(itemId), processing.process(itemId)];
    await eventually(attemptsWaitingOnLock, (waiting) => waiting === 2, {
      what: 'both attempts blocked at their UPDATE',
    });
    await lock.release();
    const results = await Promise.all(attempts);

    expect(results.map((result) => result.outcome).sort()).toEqual([
      'already_processed',
      'processed',
    ]);
    const processed = results.find((result) => result.outcome === 'processed');
    const repeated = results.find((result) => result.outcome === 'already_processed');
    expect(repeated).toEqual(processed && { ...processed, outcome: 'already_processed' });
    // One write, so one processed_at: the second attempt's UPDATE matched no row.
    expect(await db.item(itemId)).toMatchObject({
      status: 'done',
      checksum: processed?.checksum,
      processed_at: expect.any(Date),
      updates: 1,
    });
  });
});
