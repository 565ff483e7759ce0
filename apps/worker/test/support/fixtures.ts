import { randomUUID } from 'node:crypto';
import {
  createItemsQueue,
  createRedisConnection,
  DEFAULT_JOB_POLICY,
  type ItemsQueue,
  type JobPolicy,
  type ProcessItemResult,
} from '@starter/queue';
import type { Redis } from 'ioredis';
import { Client } from 'pg';

export interface ItemRow {
  id: string;
  status: string;
  word_count: number | null;
  checksum: string | null;
  processed_at: Date | null;
  /** How many UPDATEs touched the row (counted by a trigger the tests install). */
  updates: number;
}

/** Direct access to one test database: create items, read them back, count writes. */
export class Database {
  private constructor(
    private readonly client: Client,
    private readonly url: string,
  ) {}

  static async connect(url: string): Promise<Database> {
    const client = new Client({ connectionString: url });
    await client.connect();
    // Counts every UPDATE of an item, so a test can tell whether processing wrote a row once.
    await client.query(`
      CREATE TABLE IF NOT EXISTS item_update_log (item_id uuid NOT NULL);
      CREATE OR REPLACE FUNCTION log_item_update() RETURNS trigger AS $$
        BEGIN INSERT INTO item_update_log VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql;
      CREATE OR REPLACE TRIGGER items_update_log AFTER UPDATE ON items
        FOR EACH ROW EXECUTE FUNCTION log_item_update();
    `);
    return new Database(client, url);
  }

  async createItem(title: string, description: string | null): Promise<string> {
    const {
      rows: [user],
    } = await this.client.query<{ id: string }>(
      `INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`,
      [`${randomUUID()}@example.test`],
    );
    const {
      rows: [item],
    } = await this.client.query<{ id: string }>(
      'INSERT INTO items (owner_id, title, description) VALUES ($1, $2, $3) RETURNING id',
      [user!.id, title, description],
    );
    return item!.id;
  }

  async item(id: string): Promise<ItemRow | undefined> {
    const { rows } = await this.client.query<ItemRow>(
      `SELECT id, status, word_count, checksum, processed_at,
              (SELECT count(*)::int FROM item_update_log WHERE item_id = items.id) AS updates
         FROM items WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  /**
   * Locks the item's row in a transaction of its own until `release()`: processing then blocks at
   * its UPDATE, so the job stays active for exactly as long as a test needs.
   */
  async holdItemLock(id: string): Promise<{ release(): Promise<void> }> {
    const holder = new Client({ connectionString: this.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM items WHERE id = $1 FOR UPDATE', [id]);
    return {
      release: async () => {
        await holder.query('COMMIT');
        await holder.end();
      },
    };
  }

  async deleteItem(id: string): Promise<void> {
    await this.client.query('DELETE FROM items WHERE id = $1', [id]);
  }

  query(sql: string, params: unknown[] = []) {
    return this.client.query(sql, params);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** The producer side, as the API uses it. */
export class Producer {
  private constructor(
    readonly connection: Redis,
    readonly queue: ItemsQueue,
  ) {}

  static create(redisUrl: string, prefix: string, policy: Partial<JobPolicy> = {}): Producer {
    const connection = createRedisConnection(redisUrl, 'worker');
    return new Producer(
      connection,
      createItemsQueue(connection, prefix, { ...DEFAULT_JOB_POLICY, ...policy }),
    );
  }

  async waitForJob(
    jobId: string,
    state: 'completed' | 'failed' = 'completed',
    timeoutMs = 30_000,
  ): Promise<{
    returnvalue: ProcessItemResult;
    failedReason: string;
    attemptsMade: number;
    attemptsStarted: number;
    processedBy?: string;
  }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // State first, then the job: a job read before it finished would lack its result.
      const current = await this.queue.getJobState(jobId);
      const job = current === state ? await this.queue.getJob(jobId) : undefined;
      if (job) return job;
      if (Date.now() > deadline) {
        const failedReason = (await this.queue.getJob(jobId))?.failedReason ?? '';
        throw new Error(`job ${jobId} is ${current}, expected ${state}: ${failedReason}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit();
  }
}
