import { WorkerProcess } from './support/worker-process';

// The environment is checked before anything connects, so these need no database or Redis.
const env = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  REDIS_URL: 'redis://127.0.0.1:1',
};

describe('worker configuration', () => {
  it('rejects the test-only job delay in production', async () => {
    const worker = await WorkerProcess.start(
      { ...env, NODE_ENV: 'production', WORKER_TEST_JOB_DELAY_MS: '100' },
      { waitReady: false },
    );

    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output).toContain(
      'WORKER_TEST_JOB_DELAY_MS is a test hook and must not be set in production',
    );
  });

  it('rejects a per-queue concurrency for a queue that does not exist', async () => {
    const worker = await WorkerProcess.start(
      { ...env, WORKER_QUEUE_CONCURRENCY: 'items=2,emails=3' },
      { waitReady: false },
    );

    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output).toContain(
      'WORKER_QUEUE_CONCURRENCY names unknown queues: emails (known: items, maintenance)',
    );
  });
});
