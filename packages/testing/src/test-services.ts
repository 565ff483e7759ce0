import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import {
  getContainerRuntimeClient,
  type GenericContainer,
  type StartedTestContainer,
} from 'testcontainers';

export const POSTGRES_IMAGE = process.env.TEST_POSTGRES_IMAGE ?? 'postgres:17';
export const REDIS_IMAGE = process.env.TEST_REDIS_IMAGE ?? 'redis:7';

export interface TestServices {
  databaseUrl: string;
  redisUrl: string;
  /**
   * The same servers at the containers' own addresses on their Docker network, bypassing the
   * engine's port-publishing proxy (which adds latency to every round trip); servers given by URL
   * as they are. Reachable only from the machine the engine runs on, and not with Docker Desktop.
   */
  directUrls: { databaseUrl: string; redisUrl: string };
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
    const urls = { databaseUrl: givenDatabaseUrl, redisUrl: givenRedisUrl };
    return { ...urls, directUrls: urls, stop: async () => {} };
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
    directUrls: {
      databaseUrl: givenDatabaseUrl ?? containerUrl(postgres!, postgres!.getConnectionUri(), 5432),
      redisUrl: givenRedisUrl ?? containerUrl(redis!, redis!.getConnectionUrl(), 6379),
    },
    stop: async () => {
      await Promise.all([postgres?.stop(), redis?.stop()]);
    },
  };
}

/** `url` with the container's own address on its first network and the port inside it. */
function containerUrl(container: StartedTestContainer, url: string, port: number): string {
  const direct = new URL(url);
  direct.hostname = container.getIpAddress(container.getNetworkNames()[0]!);
  direct.port = String(port);
  return direct.toString();
}

/**
 * Readiness checked with a whole session. testcontainers' default, pg_isready every 250 ms, hangs
 * up during the connection handshake, and on a loaded machine a backend sometimes dies of that
 * (SIGPIPE), which PostgreSQL handles as a crash: every session is reset and the server goes
 * through recovery, failing the tests. Over TCP: during initdb the entrypoint's temporary server
 * listens on the socket only.
 */
const POSTGRES_HEALTH_CHECK: Parameters<GenericContainer['withHealthCheck']>[0] = {
  test: [
    'CMD-SHELL',
    'PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1"',
  ],
  interval: 1_000,
  timeout: 10_000,
  retries: 300,
};

/** The image's server with the credentials the tests use. */
function postgresContainer(): PostgreSqlContainer {
  return new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .withHealthCheck(POSTGRES_HEALTH_CHECK);
}

function startPostgres(): Promise<StartedPostgreSqlContainer> {
  return postgresContainer()
    .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
    .withCommand(['postgres', '-c', 'fsync=off', '-c', 'max_connections=500'])
    .start();
}

function startRedis(): Promise<StartedRedisContainer> {
  // noeviction is the only policy under which BullMQ keeps its guarantees; tests run like production.
  return new RedisContainer(REDIS_IMAGE)
    .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--save', ''])
    .start();
}

export interface RestartablePostgres {
  /** postgres://… of its `postgres` database. */
  url: string;
  /** `docker stop`: the server shuts down and refuses connections; its data stays. */
  stop(): Promise<void>;
  /** `docker start` again, on the same address. */
  start(): Promise<void>;
  /** Stops and removes the container. */
  remove(): Promise<void>;
}

/**
 * A PostgreSQL of one test file's own, to take away and bring back as an outage would. A fixed
 * host port keeps its address across the restart, and its data lives in the container rather
 * than on tmpfs, so it survives the stop. Needs a Docker engine.
 */
export async function startRestartablePostgres(hostPort: number): Promise<RestartablePostgres> {
  const container = await postgresContainer()
    .withExposedPorts({ container: 5432, host: hostPort })
    .withCommand(['postgres', '-c', 'fsync=off'])
    .start();
  const client = await getContainerRuntimeClient();
  const docker = client.container.getById(container.getId());
  return {
    url: container.getConnectionUri(),
    stop: () => client.container.stop(docker, { timeout: 10 }),
    start: () => client.container.start(docker),
    remove: async () => {
      await container.stop();
    },
  };
}
