import {
  DOCKER_AVAILABLE_ENV,
  REDIS_IMAGE,
  createTestEnv,
  freePort,
  type TestEnv,
} from '@starter/testing';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { enqueueProcessItem } from '@starter/queue';
import { Database, eventually, Producer } from './support/fixtures';
import { WorkerProcess } from './support/worker-process';

// A Redis of this file's own, so it can be reconfigured and restarted. A fixed host port keeps
// its address across the restart; AOF keeps its data, as in production. Without a Docker engine
// (servers given by TEST_REDIS_URL) there is no Redis to restart: the file reports itself skipped.
const describeWithDocker = process.env[DOCKER_AVAILABLE_ENV] === 'true' ? describe : describe.skip;

describeWithDocker('Redis', () => {
  let redis: StartedRedisContainer;
  let redisUrl: string;
  let testEnv: TestEnv;
  let db: Database;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = await new RedisContainer(REDIS_IMAGE)
      .withExposedPorts({ container: 6379, host: port })
      .withCommand(['redis-server', '--maxmemory-policy', 'allkeys-lru', '--appendonly', 'yes'])
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
    await redis?.stop();
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

      const healthDuringRestart: number[] = [];
      let restarting = true;
      const probing = (async () => {
        while (restarting) {
          healthDuringRestart.push((await worker.health()).status);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      await redis.restart();
      await eventually(
        () => worker.health(),
        (health) => health.status === 200,
        30_000,
      );
      restarting = false;
      await probing;

      expect(healthDuringRestart).toContain(503);
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
