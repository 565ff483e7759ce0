import type { DataServicesMode } from '@starter/config';

/** The bundled services' names in infra/compose.production.yml, which are also their hostnames. */
export const DATA_SERVICES = { postgres: 'postgres', redis: 'redis' } as const;

function parseUrl(name: string, value: string | undefined): URL {
  if (!value) throw new Error(`${name} is not set`);
  try {
    return new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
}

/**
 * Checks that DATABASE_URL and REDIS_URL match DEPLOY_DATA_SERVICES and, for `bundled`, returns
 * the content of data.env: PostgreSQL's credentials, taken from DATABASE_URL so the password is
 * written in one place only. Returns undefined for `external`.
 */
export function dataServicesEnvironment(
  environment: Record<string, string>,
  mode: DataServicesMode,
): Record<string, string> | undefined {
  const database = parseUrl('DATABASE_URL', environment.DATABASE_URL);
  const redis = parseUrl('REDIS_URL', environment.REDIS_URL);
  const urls = [
    ['DATABASE_URL', database, DATA_SERVICES.postgres, '5432'],
    ['REDIS_URL', redis, DATA_SERVICES.redis, '6379'],
  ] as const;

  if (mode === 'external') {
    for (const [name, url, service] of urls) {
      if (url.hostname === service) {
        throw new Error(
          `${name} points at the bundled ${service}, but DEPLOY_DATA_SERVICES=external does not run it: point ${name} at the managed service, or use DEPLOY_DATA_SERVICES=bundled`,
        );
      }
    }
    return undefined;
  }

  for (const [name, url, service, port] of urls) {
    if (url.hostname !== service || (url.port !== '' && url.port !== port)) {
      throw new Error(
        `${name} must point at the bundled ${service} (host ${service}, port ${port}) with DEPLOY_DATA_SERVICES=bundled, not ${url.host}; for a managed service set DEPLOY_DATA_SERVICES=external`,
      );
    }
  }
  if (redis.username || redis.password) {
    throw new Error(
      'REDIS_URL must carry no credentials with DEPLOY_DATA_SERVICES=bundled: the bundled Redis has no password and is reachable only on the private data network',
    );
  }
  const user = decodeURIComponent(database.username);
  const password = decodeURIComponent(database.password);
  if (!user || !password) {
    throw new Error(
      'DATABASE_URL must name a user and a password (postgres://user:password@postgres:5432/db): the bundled PostgreSQL is created with them',
    );
  }
  return {
    POSTGRES_USER: user,
    POSTGRES_PASSWORD: password,
    POSTGRES_DB: decodeURIComponent(database.pathname.slice(1)) || user,
  };
}
