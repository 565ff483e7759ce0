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
      expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'failed' });
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
      expect(ready.body.checks).toEqual({ postgres: 'failed', redis: 'ok' });
    } finally {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      await admin.end();
      await api.close();
    }
  });
});

describe('while Redis is unreachable', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ REDIS_URL: 'redis://127.0.0.1:1' });
  });

  afterAll(async () => {
    await api.close();
  });

  it('refuses to create an item with 503 and leaves no item without its job', async () => {
    // Registration needs Redis too (its rate limit), so the user is written directly.
    const client = new Client({ connectionString: api.testEnv.databaseUrl });
    await client.connect();
    const {
      rows: [user],
    } = await client.query<{ id: string }>(
      `INSERT INTO users (email, password_hash) VALUES ('no-redis@example.com', 'x') RETURNING id`,
    );
    await client.end();
    const token = api.signToken({ sub: user!.id, exp: Math.floor(Date.now() / 1000) + 60 });

    const created = await api.request('POST', '/items', {
      token,
      body: { title: 'needs a queue' },
    });
    const listed = await api.request('GET', '/items', { token });

    expect(created.status).toBe(503);
    expect(created.body).toMatchObject({ status: 503, error: 'service_unavailable' });
    expect(listed.body).toEqual({ items: [], total: 0 });
  });

  it.each(['/auth/login', '/auth/register'])(
    'answers %s with 503, since attempts cannot be counted',
    async (path) => {
      const response = await api.request('POST', path, {
        body: { email: 'no-redis@example.com', password: 'long enough' },
      });

      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ status: 503, error: 'service_unavailable' });
    },
  );
});
