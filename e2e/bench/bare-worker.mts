import { createHash } from 'node:crypto';
import { createRedisConnection, PROCESS_ITEM_QUEUE, type ProcessItemPayload } from '@starter/queue';
import { Worker } from 'bullmq';
import { Pool } from 'pg';

/**
 * The benchmark's ceiling for `drain`: a plain BullMQ worker running the same SQL as the worker's
 * process-item job (read the item, compute its word count and checksum, one conditional UPDATE)
 * as named prepared statements, without Nest, TypeORM, payload validation, metrics or logging.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare worker: ${name} is not set`);
  return value;
};

const ITEM_BY_ID = {
  name: 'bare-item-by-id',
  text: 'SELECT title, description, status FROM items WHERE id = $1',
};
const MARK_DONE = {
  name: 'bare-mark-done',
  text: `UPDATE items SET status = 'done', word_count = $2, checksum = $3, processed_at = now()
         WHERE id = $1 AND status <> 'done'`,
};

interface ItemRow {
  title: string;
  description: string | null;
  status: string;
}

async function main(): Promise<void> {
  const pool = new Pool({
    connectionString: env('DATABASE_URL'),
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  });
  const worker = new Worker<ProcessItemPayload>(
    PROCESS_ITEM_QUEUE,
    async (job) => {
      const { itemId } = job.data;
      const { rows } = await pool.query<ItemRow>({ ...ITEM_BY_ID, values: [itemId] });
      const item = rows[0];
      if (!item || item.status === 'done') return;
      const text = `${item.title} ${item.description ?? ''}`.trim();
      const wordCount = text === '' ? 0 : text.split(/\s+/u).length;
      const checksum = createHash('sha256')
        .update(item.description ?? '', 'utf8')
        .digest('hex');
      await pool.query({ ...MARK_DONE, values: [itemId, wordCount, checksum] });
    },
    {
      connection: createRedisConnection(env('REDIS_URL'), 'worker'),
      prefix: env('REDIS_PREFIX'),
      concurrency: Number(env('WORKER_CONCURRENCY')),
    },
  );
  worker.on('error', (error) => console.error('bare worker:', error.message));
  await worker.waitUntilReady();

  const stop = () => {
    void Promise.all([worker.close(), pool.end()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('bare worker failed:', error);
  process.exit(1);
});
