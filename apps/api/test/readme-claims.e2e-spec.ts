import { createItemsQueue, createRedisConnection } from '@starter/queue';
import { createTestEnv, type LogLine, type TestEnv } from '@starter/testing';
import { Client } from 'pg';
import { ApiProcess } from './support/api-process';
import { TestApi } from './support/test-api';

// What the README promises about the API that no other test would notice breaking.

describe('with CORS_ORIGINS unset and DOCS_ENABLED=false', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({ DOCS_ENABLED: 'false' });
  });

  afterAll(async () => {
    await api.close();
  });

  it('stores passwords hashed with argon2id', async () => {
    const user = await api.createUser();
    const db = new Client({ connectionString: api.testEnv.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT password_hash FROM users WHERE id = $1', [user.id]);

      expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$/);
      expect(rows[0].password_hash).not.toContain(user.password);
    } finally {
      await db.end();
    }
  });

  it('answers no cross-origin request: no CORS header, preflight included', async () => {
    const origin = 'https://app.example.com';

    const simple = await api.request('GET', '/health/live', { headers: { origin } });
    const preflight = await api.request('OPTIONS', '/items', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

    expect(simple.status).toBe(200);
    const corsHeaders = (headers: Headers) =>
      [...headers.keys()].filter((name) => name.startsWith('access-control-'));
    expect(corsHeaders(simple.headers)).toEqual([]);
    expect(corsHeaders(preflight.headers)).toEqual([]);
  });

  it('serves neither the docs UI nor the OpenAPI document', async () => {
    const ui = await api.request('GET', '/docs');
    const document = await api.request('GET', '/docs/openapi.json');

    expect(ui.status).toBe(404);
    expect(document.status).toBe(404);
  });
});

describe('the API process, configured by its environment', () => {
  let testEnv: TestEnv;
  let api: ApiProcess;
  let token: string;

  const call = async (method: string, path: string, options: RequestInit = {}) => {
    const response = await fetch(`${api.baseUrl}${path}`, {
      method,
      ...options,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.headers as Record<string, string>),
      },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    testEnv = await createTestEnv();
    api = await ApiProcess.start({
      ...testEnv.env,
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '2500',
      JOB_KEEP_COMPLETED_COUNT: '11',
      JOB_KEEP_COMPLETED_SECONDS: '1200',
      JOB_KEEP_FAILED_COUNT: '22',
      JOB_KEEP_FAILED_SECONDS: '2400',
    });
    const credentials = JSON.stringify({ email: 'claims@example.com', password: 'long enough' });
    await call('POST', '/auth/register', { body: credentials });
    token = (await call('POST', '/auth/login', { body: credentials })).body.access_token;
  });

  afterAll(async () => {
    await api?.stop();
    await testEnv?.cleanup();
  });

  it('enqueues jobs with the retries and retention of JOB_ATTEMPTS, JOB_BACKOFF_MS, JOB_KEEP_*', async () => {
    const item = await call('POST', '/items', { body: JSON.stringify({ title: 'configured' }) });
    const redis = createRedisConnection(testEnv.redisUrl, 'worker');
    const queue = createItemsQueue(redis, testEnv.redisPrefix);
    try {
      const job = await queue.getJob(item.body.job_id);

      expect(job?.opts).toMatchObject({
        attempts: 3,
        backoff: { type: 'exponential', delay: 2500 },
        removeOnComplete: { count: 11, age: 1200 },
        removeOnFail: { count: 22, age: 2400 },
      });
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  it('puts the request id on every log line of a request, its error included', async () => {
    // Without its table the items query fails: a 500, logged as an unexpected error.
    const db = new Client({ connectionString: testEnv.databaseUrl });
    await db.connect();
    await db.query('ALTER TABLE items RENAME TO items_hidden');
    const firstLine = api.logs.length;
    let failed: Awaited<ReturnType<typeof call>>;
    try {
      failed = await call('GET', '/items', { headers: { 'x-request-id': 'claims-trace-1' } });
    } finally {
      await db.query('ALTER TABLE items_hidden RENAME TO items');
      await db.end();
    }
    const completed = await api.waitForLog(
      (line) => line.msg === 'request completed' && line.reqId === 'claims-trace-1',
    );

    expect(failed.status).toBe(500);
    expect(failed.body.request_id).toBe('claims-trace-1');
    const requestLines: LogLine[] = api.logs.slice(firstLine, api.logs.indexOf(completed) + 1);
    expect(requestLines.map((line) => line.msg)).toEqual(['request failed', 'request completed']);
    expect(requestLines.every((line) => line.reqId === 'claims-trace-1')).toBe(true);
    expect(requestLines[0]).toMatchObject({ level: 50, err: expect.any(Object) });
  });
});
