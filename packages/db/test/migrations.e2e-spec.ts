import { createTestDatabase, dropTestDatabase } from '@starter/testing';
import { Client } from 'pg';
import { migrations } from '../src/migrations';
import { migrate, pendingSchemaChanges } from '../src/migrate';

describe('migrations', () => {
  let databaseUrl: string;

  beforeEach(async () => {
    databaseUrl = await createTestDatabase(process.env.TEST_DATABASE_URL!, { template: null });
  });

  afterEach(async () => {
    await dropTestDatabase(databaseUrl);
  });

  it('agree with the entities: a generated migration would be empty', async () => {
    await migrate({ url: databaseUrl });

    await expect(pendingSchemaChanges({ url: databaseUrl })).resolves.toEqual([]);
  });

  it('apply each migration exactly once when two migrators start at the same time', async () => {
    const [first, second] = await Promise.all([
      migrate({ url: databaseUrl }),
      migrate({ url: databaseUrl }),
    ]);

    const appliedCounts = [first.applied.length, second.applied.length].sort();
    expect(appliedCounts).toEqual([0, migrations.length]);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; count: string }>(
        'SELECT name, count(*) FROM migrations GROUP BY name',
      );
      expect(rows).toHaveLength(migrations.length);
      expect(rows.every((row) => row.count === '1')).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('do nothing on an up-to-date database', async () => {
    await migrate({ url: databaseUrl });

    await expect(migrate({ url: databaseUrl })).resolves.toEqual({ applied: [] });
  });

  it('detect an entity change that has no migration', async () => {
    await migrate({ url: databaseUrl });
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('ALTER TABLE items DROP COLUMN checksum');
    await client.end();

    const changes = await pendingSchemaChanges({ url: databaseUrl });

    expect(changes.join('\n')).toMatch(/ADD "checksum"/);
  });
});
