import { Client } from 'pg';
import { TestApi } from './support/test-api';

describe('health', () => {
  it('reports live and ready when PostgreSQL and Redis answer', async () => {
    const api = await TestApi.start();
    try {
      const live = await api.request('GET', '/health/live');
      const ready = await api.request('GET', '/health/ready');

      expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(ready).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      await api.close();
    }
  });

  it('answers 503 naming Redis when Redis is unreachable, while live stays 200', async () => {
    const api = await TestApi.start({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const ready = await api.request('GET', '/health/ready');
      const live = await api.request('GET', '/health/live');

      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.checks.postgres).toBe('ok');
      expect(ready.body.checks.redis).toMatch(/^failed/);
      expect(live.status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('answers 503 naming PostgreSQL when the database stops accepting connections', async () => {
    const api = await TestApi.start();
    const database = new URL(api.testEnv.databaseUrl).pathname.slice(1);
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [database],
      );

      const ready = await api.request('GET', '/health/ready');

      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toMatch(/^failed/);
      expect(ready.body.checks.redis).toBe('ok');
    } finally {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      await admin.end();
      await api.close();
    }
  });
});
