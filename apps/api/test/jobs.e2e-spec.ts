import { PROCESS_ITEM_QUEUE, type ProcessItemPayload } from '@starter/queue';
import { eventually } from '@starter/testing';
import { UnrecoverableError, Worker, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import { TestApi } from './support/test-api';

describe('GET /jobs/:id', () => {
  let api: TestApi;
  let alice: Awaited<ReturnType<TestApi['createUser']>>;
  let bob: Awaited<ReturnType<TestApi['createUser']>>;

  beforeAll(async () => {
    api = await TestApi.start();
    alice = await api.createUser();
    bob = await api.createUser();
  });

  afterAll(async () => {
    await api.close();
  });

  /** Runs one real BullMQ worker over the API's queue until the API shows the job in `state`. */
  async function runWorker(
    processor: Processor<ProcessItemPayload>,
    token: string,
    jobId: string,
    state: 'completed' | 'failed',
  ) {
    const connection = new Redis(api.env.REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker(PROCESS_ITEM_QUEUE, processor, {
      connection,
      prefix: api.env.REDIS_PREFIX,
    });
    try {
      await eventually(
        async () => (await jobOf(token, jobId)).body,
        (job) => job.state === state,
        { what: `GET /jobs/${jobId} showing ${state}` },
      );
    } finally {
      await worker.close();
      connection.disconnect();
    }
  }

  const jobOf = (token: string, jobId: string) => api.request('GET', `/jobs/${jobId}`, { token });

  it('shows a queued job as waiting', async () => {
    const item = await api.request('POST', '/items', {
      token: alice.token,
      body: { title: 'wait' },
    });

    const response = await jobOf(alice.token, item.body.job_id);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: item.body.job_id, state: 'waiting' });
  });

  it('shows the job active while a worker holds it, then completed with its result', async () => {
    const item = await api.request('POST', '/items', {
      token: alice.token,
      body: { title: 'run' },
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let seenActive: unknown;

    await runWorker(
      async (job) => {
        seenActive = (await jobOf(alice.token, item.body.job_id)).body.state;
        release();
        return { outcome: 'processed', item_id: job.data.itemId, word_count: 1, checksum: 'abc' };
      },
      alice.token,
      item.body.job_id,
      'completed',
    );
    await held;

    expect(seenActive).toBe('active');
    const response = await jobOf(alice.token, item.body.job_id);
    expect(response.body).toEqual({
      id: item.body.job_id,
      state: 'completed',
      result: { outcome: 'processed', item_id: item.body.id, word_count: 1, checksum: 'abc' },
    });
  });

  it('shows a job that failed its last attempt as failed with the reason', async () => {
    const item = await api.request('POST', '/items', {
      token: alice.token,
      body: { title: 'fail' },
    });

    await runWorker(
      () => Promise.reject(new UnrecoverableError('boom: the item could not be processed')),
      alice.token,
      item.body.job_id,
      'failed',
    );

    const response = await jobOf(alice.token, item.body.job_id);
    expect(response.body).toEqual({
      id: item.body.job_id,
      state: 'failed',
      failed_reason: 'boom: the item could not be processed',
    });
  });

  it('answers 404 for another user’s job and for an unknown job', async () => {
    const item = await api.request('POST', '/items', {
      token: alice.token,
      body: { title: 'private job' },
    });

    const foreign = await jobOf(bob.token, item.body.job_id);
    const unknown = await jobOf(alice.token, 'process-item-00000000-0000-4000-8000-000000000000');

    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
  });

  it('answers 401 without a token', async () => {
    const response = await api.request('GET', '/jobs/anything');

    expect(response.status).toBe(401);
  });
});
