import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createTestDatabase, dropTestDatabase } from '@starter/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/data-source';

describe('PostgreSQL timeouts of every pool', () => {
  let databaseUrl: string;
  let dataSource: DataSource | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(process.env.TEST_DATABASE_URL!, { template: null });
  });

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    dataSource = undefined;
  });

  afterAll(async () => {
    await dropTestDatabase(databaseUrl);
  });

  it('cancels a statement that runs past the statement timeout', async () => {
    dataSource = await createDataSource({ url: databaseUrl, statementTimeoutMs: 200 }).initialize();

    await expect(dataSource.query('SELECT pg_sleep(30)')).rejects.toThrow(/statement timeout/);
    await expect(dataSource.query('SELECT 1 AS ok')).resolves.toEqual([{ ok: 1 }]);
  });

  it('ends a session left idle inside a transaction', async () => {
    dataSource = await createDataSource({
      url: databaseUrl,
      idleInTransactionTimeoutMs: 200,
    }).initialize();
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      // PostgreSQL terminates the backend; wait for it to be gone rather than for a fixed time.
      for (let checks = 0; ; checks += 1) {
        const { rowCount } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [
          pid,
        ]);
        if (rowCount === 0) break;
        if (checks > 200) throw new Error('the idle transaction was not ended');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await admin.end();
    }

    await expect(runner.query('SELECT 1')).rejects.toThrow();
    await runner.release();
  });

  describe('connecting to a server that never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      server = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
      await once(server, 'listening');
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    });

    it('gives up at the connect timeout', async () => {
      const { port } = server.address() as { port: number };
      const started = Date.now();

      await expect(
        createDataSource({
          url: `postgres://app:app@127.0.0.1:${port}/app`,
          connectTimeoutMs: 300,
        }).initialize(),
      ).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
