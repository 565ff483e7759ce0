import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@starter/db';
import {
  DOCKER_AVAILABLE_ENV,
  freePort,
  startRestartablePostgres,
  withDatabase,
  type RestartablePostgres,
} from '@starter/testing';
import { Client } from 'pg';
import { TestApi } from './support/test-api';

const WORKER_MAIN = require.resolve('@starter/worker/dist/main.js');
/** Longer than a PostgreSQL restart, within what a managed-database failover takes. */
const OUTAGE_MS = 90_000;
const WRITE_EVERY_MS = 250;

// Stops a PostgreSQL server for real, so it needs one of its own: without a Docker engine (servers
// given by TEST_DATABASE_URL) the file reports itself skipped.
const describeWithDocker = process.env[DOCKER_AVAILABLE_ENV] === 'true' ? describe : describe.skip;

describeWithDocker('PostgreSQL stopped for 90 s under a steady stream of writes', () => {
  let postgres: RestartablePostgres;
  let databaseUrl: string;
  let api: TestApi;
  let worker: ChildProcess;
  let workerOutput = '';

  beforeAll(async () => {
    postgres = await startRestartablePostgres(await freePort());
    databaseUrl = withDatabase(postgres.url, 'postgres');
    await migrate({ url: databaseUrl });
    // The default job policy: what this test shows is that it outlasts the outage.
    api = await TestApi.start({ DATABASE_URL: databaseUrl });
    worker = spawn(process.execPath, [WORKER_MAIN], {
      env: {
        PATH: process.env.PATH,
        ...api.testEnv.env,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'info',
        WORKER_HEALTH_PORT: '0',
        // Jobs are still running when the server goes away, and fail mid-attempt.
        WORKER_TEST_JOB_DELAY_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += String(chunk)));
    worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += String(chunk)));
    while (!workerOutput.includes('worker ready')) {
      if (worker.exitCode !== null) throw new Error(`worker exited:\n${workerOutput}`);
      await sleep(50);
    }
  }, 240_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGKILL');
      await once(worker, 'exit');
    }
    await api?.close();
    await postgres?.remove();
  });

  it(
    'ends with every accepted item done',
    async () => {
      const user = await api.createUser();
      const accepted: string[] = [];
      const refused: number[] = [];
      let writing = true;
      const writer = (async () => {
        for (let n = 0; writing; n += 1) {
          const response = await api.request('POST', '/items', {
            token: user.token,
            body: { title: `write ${n}`, description: 'through the outage' },
          });
          if (response.status === 201) accepted.push(response.body.id as string);
          else refused.push(response.status);
          await sleep(WRITE_EVERY_MS);
        }
      })();
      const acceptedAfter = async (count: number) => {
        while (accepted.length < count) await sleep(50);
      };

      await acceptedAfter(8);
      await postgres.stop();
      const acceptedBeforeOutage = accepted.length;
      await sleep(OUTAGE_MS);
      await postgres.start();
      await acceptedAfter(acceptedBeforeOutage + 8);
      writing = false;
      await writer;

      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const deadline = Date.now() + 4 * 60_000;
        let statuses: Record<string, number> = {};
        for (;;) {
          const { rows } = await client.query<{ status: string; count: number }>(
            'SELECT status, count(*)::int AS count FROM items WHERE id = ANY($1) GROUP BY status',
            [accepted],
          );
          statuses = Object.fromEntries(rows.map((row) => [row.status, row.count]));
          if (statuses.done === accepted.length || Date.now() > deadline) break;
          await sleep(500);
        }
        expect(statuses).toEqual({ done: accepted.length });
      } finally {
        await client.end();
      }
      // Writes were refused while the server was away, and jobs failed attempts and were retried.
      expect(refused.length).toBeGreaterThan(0);
      expect(workerOutput).toContain('job attempt failed, will retry');
      // No process-item job ran out of attempts (a sweep during the outage may fail: the next runs).
      expect(workerOutput).not.toMatch(/"queue":"items".*"msg":"job failed"/);
    },
    10 * 60_000,
  );
});
