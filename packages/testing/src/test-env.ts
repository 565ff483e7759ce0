import { createTestDatabase, dropTestDatabase, uniqueName } from './test-database';

export interface TestEnv {
  /** Environment variables for the process under test: its own database and Redis prefix. */
  env: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  cleanup(): Promise<void>;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest's global setup`);
  return value;
}

/** Isolates one test file: a fresh migrated database and a Redis key prefix nobody else uses. */
export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const redisUrl = requiredEnv('TEST_REDIS_URL');
  const databaseUrl = await createTestDatabase(requiredEnv('TEST_DATABASE_URL'));
  const redisPrefix = uniqueName('test');
  return {
    databaseUrl,
    redisUrl,
    redisPrefix,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      ...overrides,
    },
    cleanup: () => dropTestDatabase(databaseUrl),
  };
}
