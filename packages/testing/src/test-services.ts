import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { getContainerRuntimeClient, type GenericContainer } from 'testcontainers';

export const POSTGRES_IMAGE = process.env.TEST_POSTGRES_IMAGE ?? 'postgres:17';
export const REDIS_IMAGE = process.env.TEST_REDIS_IMAGE ?? 'redis:7';

export interface TestServices {
  databaseUrl: string;
  redisUrl: string;
  /** Stops the containers this call started; servers given by URL are left alone. */
  stop(): Promise<void>;
}

export async function dockerIsReachable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL and Redis for a test run: the servers named by TEST_DATABASE_URL and TEST_REDIS_URL
 * when set, otherwise containers started through the Docker engine.
 */
export async function startTestServices(
  env: Record<string, string | undefined> = process.env,
): Promise<TestServices> {
  const givenDatabaseUrl = env.TEST_DATABASE_URL;
  const givenRedisUrl = env.TEST_REDIS_URL;
  if (givenDatabaseUrl && givenRedisUrl) {
    return { databaseUrl: givenDatabaseUrl, redisUrl: givenRedisUrl, stop: async () => {} };
  }
  if (!(await dockerIsReachable())) {
    throw new Error(
      'Tests need PostgreSQL and Redis: start a Docker engine (testcontainers runs them), ' +
        'or set TEST_DATABASE_URL and TEST_REDIS_URL to servers you run yourself.',
    );
  }
  const [postgres, redis] = await Promise.all([
    givenDatabaseUrl ? undefined : startPostgres(),
    givenRedisUrl ? undefined : startRedis(),
  ]);
  return {
    databaseUrl: givenDatabaseUrl ?? postgres!.getConnectionUri(),
    redisUrl: givenRedisUrl ?? redis!.getConnectionUrl(),
    stop: async () => {
      await Promise.all([postgres?.stop(), redis?.stop()]);
    },
  };
}

// The module's own health check (pg_isready every 250 ms, killed after 1 s) gets killed
// mid-handshake on a loaded machine; the backend answering it then dies of SIGPIPE, which
// PostgreSQL treats as a crash: it resets every connection of the run. This one is never killed
// while it is being answered.
const POSTGRES_HEALTH_CHECK: Parameters<GenericContainer['withHealthCheck']>[0] = {
  test: ['CMD-SHELL', 'pg_isready --host localhost --username postgres --dbname postgres'],
  interval: 1_000,
  timeout: 60_000,
  retries: 120,
};

function startPostgres(): Promise<StartedPostgreSqlContainer> {
  return new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
    .withCommand(['postgres', '-c', 'fsync=off', '-c', 'max_connections=500'])
    .withHealthCheck(POSTGRES_HEALTH_CHECK)
    .start();
}

function startRedis(): Promise<StartedRedisContainer> {
  // noeviction is the only policy under which BullMQ keeps its guarantees; tests run like production.
  return new RedisContainer(REDIS_IMAGE)
    .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--save', ''])
    .start();
}
