import { dockerIsReachable, startTestServices, type TestServices } from './test-services';
import { createTestDatabase, dropTestDatabase, TEMPLATE_DATABASE_ENV } from './test-database';

export const DOCKER_AVAILABLE_ENV = 'TEST_DOCKER_AVAILABLE';
/** Set by `.ci/run` when its Docker engine is up: tests that need Docker must then run. */
export const REQUIRE_DOCKER_ENV = 'CI_REQUIRE_DOCKER';

/**
 * Whether tests that start, stop or reconfigure a server of their own can run here. Without a
 * Docker engine they report themselves skipped, unless CI_REQUIRE_DOCKER=1 says this machine has
 * one: then their file fails, so CI cannot read green while they never ran.
 */
export function dockerAvailableForTests(): boolean {
  if (process.env[DOCKER_AVAILABLE_ENV] === 'true') return true;
  if (process.env[REQUIRE_DOCKER_ENV] === '1') {
    throw new Error(
      `${REQUIRE_DOCKER_ENV}=1 but the tests cannot reach a Docker engine (DOCKER_HOST=` +
        `${process.env.DOCKER_HOST ?? 'unset'}): the tests that need one would be skipped`,
    );
  }
  return false;
}

export interface GlobalSetupOptions {
  /** Brings a fresh database to the current schema; the result is the template every test file copies. */
  prepareTemplate?: (databaseUrl: string) => Promise<unknown>;
}

// Jest runs globalSetup and globalTeardown in one process but may load them as separate module
// instances, so what teardown needs is kept on globalThis.
const state = globalThis as typeof globalThis & {
  __testServices?: TestServices;
  __testTemplateUrl?: string;
};

/**
 * Jest globalSetup factory: one PostgreSQL and one Redis for the whole run (reused from
 * TEST_DATABASE_URL / TEST_REDIS_URL when the caller already started them), and one migrated
 * template database. Workers inherit the variables set here.
 */
export function globalSetup({ prepareTemplate }: GlobalSetupOptions = {}) {
  return async () => {
    const services = await startTestServices();
    state.__testServices = services;
    process.env.TEST_DATABASE_URL = services.databaseUrl;
    process.env.TEST_REDIS_URL = services.redisUrl;
    // Read by dockerAvailableForTests() in the test files.
    process.env[DOCKER_AVAILABLE_ENV] = String(await dockerIsReachable());
    if (prepareTemplate) {
      const templateUrl = await createTestDatabase(services.databaseUrl, { template: null });
      state.__testTemplateUrl = templateUrl;
      await prepareTemplate(templateUrl);
      process.env[TEMPLATE_DATABASE_ENV] = new URL(templateUrl).pathname.slice(1);
    }
  };
}

export async function globalTeardown(): Promise<void> {
  try {
    if (state.__testTemplateUrl) await dropTestDatabase(state.__testTemplateUrl);
  } finally {
    // With no Ryuk, a container left running here outlives the run: stop them whatever happened.
    await state.__testServices?.stop();
  }
}
