import {
  dockerAvailableForTests,
  eventually,
  REDIS_IMAGE,
  createTestEnv,
  type TestEnv,
} from '@starter/testing';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { enqueueProcessItem } from '@starter/queue';
import { Database, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

// A Redis of this file's own, so it can be reconfigured and restarted. Its server restarts inside
// the container (the container and its port mapping stay), once the test has seen the worker
// notice the outage; AOF keeps its data, as in production. Without a Docker engine (servers given
// by TEST_REDIS_URL) there is no Redis to restart: the file reports itself skipped.
const describeWithDocker = dockerAvailableForTests() ? describe : describe.skip;
const START_AGAIN = '/tmp/start-redis-again';
// The image's entrypoint turns protected mode off only when it starts redis-server itself.
const REDIS_SERVER =
  'redis-server --protected-mode no --maxmemory-policy allkeys-lru --appendonly yes';

describeWithDocker('Redis', () => {
  let redis: StartedRedisContainer;
  let redisUrl: string;
  let testEnv: TestEnv;
  let db: Database;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await new RedisContainer(REDIS_IMAGE)
      .withCommand([
        'sh',
        '-c',
        `while :; do ${REDIS_SERVER}; until [ -e ${START_AGAIN} ]; do sleep 0.1; done; rm ${START_AGAIN}; done`,
      ])
      .start();
    redisUrl = redis.getConnectionUrl();
    testEnv = await createTestEnv({ REDIS_URL: redisUrl });
    db = await Database.connect(testEnv.databaseUrl);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  afterAll(async () => {
    await db?.close();
    await testEnv?.cleanup();
    // The shell looping over redis-server ignores SIGTERM: no point waiting for it.
    await redis?.stop({ timeout: 0 });
  });

  it('the worker refuses to start unless maxmemory-policy is noeviction', async () => {
    const worker = await WorkerProcess.start(testEnv.env, { waitReady: false });
    workers.push(worker);

    expect(await worker.exited).toEqual({ code: 1, signal: null });
    const fatal = await worker.waitForLog((line) => line.msg.startsWith('worker failed to start'));
    expect(fatal.msg).toMatch(/maxmemory-policy is "allkeys-lru", but BullMQ needs "noeviction"/);
    expect(worker.logs.some((line) => line.msg === 'worker ready')).toBe(false);
  });

  it('the worker rides out a Redis restart and loses no job', async () => {
    await redis.executeCliCmd('config', ['set', 'maxmemory-policy', 'noeviction']);
    const worker = await WorkerProcess.start(testEnv.env);
    workers.push(worker);
    const producer = Producer.create(redisUrl, testEnv.redisPrefix);
    try {
      const before = await db.createItem('Before', 'the restart');
      await producer.waitForJob(await enqueueProcessItem(producer.queue, { itemId: before }));
      // Waiting in Redis (delayed) while it restarts.
      const during = await db.createItem('During', 'the restart');
      const duringJob = await enqueueProcessItem(
        producer.queue,
        { itemId: during },
        { delay: 1_000 },
      );

      // SHUTDOWN flushes the AOF and ends the server, which starts again only once told to.
      await redis.exec(['redis-cli', 'shutdown']);
      await eventually(
        () => worker.health(),
        (health) => health.status === 503,
        { what: 'worker unhealthy while Redis is down' },
      );
      await redis.exec(['touch', START_AGAIN]);
      await eventually(
        () => worker.health(),
        (health) => health.status === 200,
        { timeoutMs: 30_000, what: 'worker healthy again' },
      );

      expect((await producer.waitForJob(duringJob)).returnvalue.outcome).toBe('processed');
      const after = await db.createItem('After', 'the restart');
      const afterJob = await producer.waitForJob(
        await enqueueProcessItem(producer.queue, { itemId: after }),
      );
      expect(afterJob.returnvalue.outcome).toBe('processed');
      expect(worker.child.exitCode).toBeNull();
      expect(worker.logs.filter((line) => line.msg === 'worker ready')).toHaveLength(1);
    } finally {
      await producer.close();
    }
    // A graceful Redis restart (AOF flushed) takes a while on a loaded CI machine.
  }, 90_000);
});
