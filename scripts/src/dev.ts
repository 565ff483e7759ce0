import { existsSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { REPO_ROOT } from './lib/repo-root';

// `pnpm dev`: the API and the worker on the host, restarted on change, with .env applied when
// present. PostgreSQL and Redis come from DATABASE_URL / REDIS_URL when set, otherwise from the
// compose file's own services, started here on free loopback ports. Migrations run before the apps
// start. turbo runs in loose env mode so the apps see the whole environment, as in production.
const COMPOSE = ['-f', 'docker-compose.yml', '-f', 'docker-compose.dev.yml'];

async function composeServices(): Promise<{ DATABASE_URL: string; REDIS_URL: string }> {
  if ((await $({ nothrow: true, quiet: true })`docker info`).exitCode !== 0) {
    throw new Error(
      'Set DATABASE_URL and REDIS_URL, or start Docker so `pnpm dev` can run PostgreSQL and Redis.',
    );
  }
  console.log('starting postgres and redis (docker compose)');
  await $`docker compose ${COMPOSE} up -d --wait postgres redis`;
  const port = async (service: string, inner: number) =>
    (await $({ quiet: true })`docker compose ${COMPOSE} port ${service} ${inner}`).stdout.trim();
  return {
    DATABASE_URL: `postgres://app:app@${await port('postgres', 5432)}/app`,
    REDIS_URL: `redis://${await port('redis', 6379)}`,
  };
}

async function main(): Promise<void> {
  $.cwd = REPO_ROOT;
  $.verbose = true;
  const dotenv = path.join(REPO_ROOT, '.env');
  if (existsSync(dotenv)) process.loadEnvFile(dotenv);
  const given = process.env.DATABASE_URL && process.env.REDIS_URL;
  const services = given
    ? { DATABASE_URL: process.env.DATABASE_URL!, REDIS_URL: process.env.REDIS_URL! }
    : await composeServices();
  console.log(
    `database: ${services.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}\nredis:    ${services.REDIS_URL}`,
  );

  const env = { ...process.env, ...services };
  await $({ env })`pnpm exec turbo run build --filter=@starter/db --output-logs=errors-only`;
  await $({ env })`pnpm --filter @starter/db run migration:run`;
  await $({
    env,
  })`pnpm exec turbo run dev --env-mode=loose --filter=@starter/api --filter=@starter/worker`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
