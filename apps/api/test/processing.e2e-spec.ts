import { createHash } from 'node:crypto';
import { eventually, LoggedProcess } from '@starter/testing';
import { Client } from 'pg';
import { TestApi } from './support/test-api';

const WORKER_MAIN = require.resolve('@starter/worker/dist/main.js');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The compiled worker, as production runs it, on the API's database and queue prefix. */
async function startWorker(env: Record<string, string>): Promise<LoggedProcess> {
  const worker = LoggedProcess.spawn(WORKER_MAIN, {
    ...env,
    LOG_LEVEL: 'info',
    WORKER_HEALTH_PORT: '0',
  });
  await worker.started((line) => line.msg === 'worker ready');
  return worker;
}

describe('an item through the whole system: API → Redis → worker → PostgreSQL → API', () => {
  let api: TestApi;
  let worker: LoggedProcess;
  let user: Awaited<ReturnType<TestApi['createUser']>>;

  beforeAll(async () => {
    api = await TestApi.start();
    worker = await startWorker(api.testEnv.env);
    user = await api.createUser();
  });

  afterAll(async () => {
    await worker?.stop();
    await api.close();
  });

  const untilDone = (id: string) =>
    eventually(
      () => api.request('GET', `/items/${id}`, { token: user.token }),
      (item) => item.body.status === 'done',
      { what: `item ${id} processed` },
    );

  it('processes a created item: word count, checksum, done, and the job shows completed', async () => {
    const description = 'one two\n  three';
    const created = await api.request('POST', '/items', {
      token: user.token,
      body: { title: 'Hello brave new world', description },
    });

    const done = await untilDone(created.body.id);
    const job = await api.request('GET', `/jobs/${created.body.job_id}`, { token: user.token });

    expect(done.body).toMatchObject({
      status: 'done',
      word_count: 7,
      checksum: sha256(description),
      processed_at: expect.any(String),
    });
    expect(job.body).toEqual({
      id: created.body.job_id,
      state: 'completed',
      result: {
        outcome: 'processed',
        item_id: created.body.id,
        word_count: 7,
        checksum: sha256(description),
      },
    });
  });

  it('hashes an empty description when there is none', async () => {
    const created = await api.request('POST', '/items', {
      token: user.token,
      body: { title: 'Title only' },
    });

    const done = await untilDone(created.body.id);

    expect(done.body).toMatchObject({ word_count: 2, checksum: sha256('') });
  });

  it('stops on SIGTERM with exit code 0', async () => {
    worker.child.kill('SIGTERM');

    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});

describe('an item whose job fails for good', () => {
  let api: TestApi;
  let worker: LoggedProcess;

  beforeAll(async () => {
    api = await TestApi.start({ JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '100' });
    worker = await startWorker(api.testEnv.env);
    // The database refuses to mark any item done, so every attempt fails.
    const client = new Client({ connectionString: api.testEnv.databaseUrl });
    await client.connect();
    await client.query(`
      CREATE FUNCTION refuse_done() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'disk on fire'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_done BEFORE UPDATE ON items FOR EACH ROW
        WHEN (NEW.status = 'done') EXECUTE FUNCTION refuse_done();
    `);
    await client.end();
  });

  afterAll(async () => {
    await worker?.stop();
    await api.close();
  });

  it('shows as failed, with the reason, on GET /items/{id} and GET /jobs/{id}', async () => {
    const user = await api.createUser();
    const created = await api.request('POST', '/items', {
      token: user.token,
      body: { title: 'Doomed' },
    });

    const item = await eventually(
      () => api.request('GET', `/items/${created.body.id}`, { token: user.token }),
      (response) => response.body.status === 'failed',
      { what: `item ${created.body.id} failed`, timeoutMs: 60_000 },
    );
    const job = await api.request('GET', `/jobs/${created.body.job_id}`, { token: user.token });

    expect(item.body).toMatchObject({
      status: 'failed',
      failure_reason: expect.stringContaining('disk on fire'),
    });
    expect(job.body).toMatchObject({
      state: 'failed',
      failed_reason: expect.stringContaining('disk on fire'),
    });
  });
});
