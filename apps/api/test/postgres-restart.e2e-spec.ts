import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@starter/db';
import {
  DOCKER_AVAILABLE_ENV,
  eventually,
  freePort,
  LoggedProcess,
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
  let worker: LoggedProcess;

  beforeAll(async () => {
    postgres = await startRestartablePostgres(await freePort());
    databaseUrl = withDatabase(postgres.url, 'postgres');
    await migrate({ url: databaseUrl });
    // The default job policy: what this test shows is that it outlasts the outage.
    api = await TestApi.start({ DATABASE_URL: databaseUrl });
    worker = LoggedProcess.spawn(WORKER_MAIN, {
      ...api.testEnv.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      WORKER_HEALTH_PORT: '0',
      // Jobs are still running when the server goes away, and fail mid-attempt.
      WORKER_TEST_JOB_DELAY_MS: '1000',
    });
    await worker.started((line) => line.msg === 'worker ready');
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await postgres?.remove();
  });

  it(
    'ends with every accepted item done',
    async () => {
      const user = await api.createUser();
      const accepted: string[] = [];
      const acceptances = new EventEmitter();
      const refused: number[] = [];
      let writing = true;
      const writer = (async () => {
        for (let n = 0; writing; n += 1) {
          const response = await api.request('POST', '/items', {
            token: user.token,
            body: { title: `write ${n}`, description: 'through the outage' },
          });
          if (response.status === 201) {
            accepted.push(response.body.id as string);
            acceptances.emit('accepted');
          } else {
            refused.push(response.status);
          }
          await sleep(WRITE_EVERY_MS);
        }
      })();
      const acceptedAfter = async (count: number) => {
        while (accepted.length < count) await once(acceptances, 'accepted');
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
        const statuses = await eventually(
          async () => {
            const { rows } = await client.query<{ status: string; count: number }>(
              'SELECT status, count(*)::int AS count FROM items WHERE id = ANY($1) GROUP BY status',
              [accepted],
            );
            return Object.fromEntries(rows.map((row) => [row.status, row.count]));
          },
          (counts) => counts.done === accepted.length,
          { what: 'every accepted item done', timeoutMs: 4 * 60_000 },
        );
        expect(statuses).toEqual({ done: accepted.length });
      } finally {
        await client.end();
      }
      // Writes were refused while the server was away, and jobs failed attempts and were retried.
      expect(refused.length).toBeGreaterThan(0);
      expect(worker.logs.some((line) => line.msg === 'job attempt failed, will retry')).toBe(true);
      // No process-item job ran out of attempts (a sweep during the outage may fail: the next runs).
      expect(
        worker.logs.filter((line) => line.queue === 'items' && line.msg === 'job failed'),
      ).toEqual([]);
    },
    10 * 60_000,
  );
});
