import { readFileSync } from 'node:fs';
import {
  deployEnvSchema,
  imageReference,
  loadEnv,
  registryEnvSchema,
  type DeployConfig,
} from '@starter/config';
import { parse } from 'yaml';
import { composeVariables, renderComposeEnv } from '../src/deploy/compose-env';
import { DATA_SERVICES } from '../src/deploy/data-services';
import { hostLayout } from '../src/deploy/host-layout';
import { PRODUCTION_COMPOSE_FILE } from '../src/deploy/release-host';

interface Service {
  image: string;
  build?: unknown;
  profiles?: string[];
  restart?: string;
  init?: boolean;
  read_only?: boolean;
  tmpfs?: string[];
  ports?: unknown[];
  command?: string[];
  env_file?: string;
  volumes?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  logging?: { driver: string; options: Record<string, string> };
  networks: string[] | Record<string, unknown>;
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { name: string; external: boolean }>;
  volumes: Record<string, unknown>;
}

const TAG = '0123456789ab';
const config: DeployConfig = {
  ...loadEnv(registryEnvSchema, {
    DEPLOY_REGISTRY: '123456789012.dkr.ecr.eu-west-3.amazonaws.com',
    DEPLOY_REPOSITORY_PREFIX: 'team/',
  }),
  ...loadEnv(deployEnvSchema, {
    DEPLOY_HOST: 'host',
    DEPLOY_SSH_KEY: '/keys/deploy',
    DEPLOY_DOMAINS: 'shop.example.com',
    DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
    DEPLOY_SSM_PATH: '/starter/production/',
    DEPLOY_WORKER_STOP_GRACE_SECONDS: '90',
  }),
};
const layout = hostLayout(config);
const DIGESTS = { api: `sha256:${'a'.repeat(64)}`, worker: `sha256:${'b'.repeat(64)}` };
const variables = composeVariables(config, layout, TAG, DIGESTS);
const text = readFileSync(PRODUCTION_COMPOSE_FILE, 'utf8');
/** Compose interpolates values, not comments. */
const values = text
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');
const REFERENCE = /\$\{([A-Z_][A-Z0-9_]*)(?::\?)?\}/g;

/** What `docker compose --env-file compose.env config` does to the file, for the parts used here. */
const compose = parse(
  values.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::\?)?\}/g, (match, name?: string) => {
    if (match === '$$') return '$';
    const value = variables[name!];
    if (value === undefined) throw new Error(`\${${name}} is not in compose.env`);
    return value;
  }),
) as Compose;
const { services } = compose;
const networksOf = (service: Service) =>
  Array.isArray(service.networks) ? service.networks : Object.keys(service.networks);

describe('infra/compose.production.yml', () => {
  it('uses exactly the variables the deploy writes to compose.env', () => {
    const used = new Set([...values.matchAll(REFERENCE)].map((match) => match[1]));
    expect([...used].sort()).toEqual(Object.keys(variables).sort());
  });

  it("runs each release's images from the registry by the digests the deploy found, never latest, and builds nothing", () => {
    const byDigest = (image: 'api' | 'worker') =>
      imageReference(config, image, TAG).replace(`:${TAG}`, `@${DIGESTS[image]}`);
    expect(services.api?.image).toBe(byDigest('api'));
    expect(services.worker?.image).toBe(byDigest('worker'));
    expect(text).toContain('image: ${REGISTRY:?}/${API_REPOSITORY:?}@${API_DIGEST:?}');
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.build]).toEqual([name, undefined]);
      expect(service.image).toMatch(/(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
      expect(service.image).not.toMatch(/:latest$/);
    }
    expect(() => composeVariables(config, layout, TAG, { ...DIGESTS, api: 'latest' })).toThrow(
      'the api image digest is not sha256: latest',
    );
  });

  it('restarts every service unless stopped and rotates its json-file logs', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect([name, service.logging]).toEqual([
        name,
        {
          driver: 'json-file',
          options: { 'max-size': expect.any(String), 'max-file': expect.any(String) },
        },
      ]);
    }
  });

  it('runs api and worker read-only under an init, with a tmpfs /tmp and a healthcheck, in no profile', () => {
    for (const name of ['api', 'worker']) {
      const service = services[name]!;
      expect([name, service.init, service.read_only, service.tmpfs]).toEqual([
        name,
        true,
        true,
        ['/tmp'],
      ]);
      expect(service.healthcheck?.test.join(' ')).toContain('/health');
      expect(service.profiles).toBeUndefined();
      expect(service.env_file).toBe('app.env');
    }
    expect(services.worker?.healthcheck?.test.join(' ')).toContain('WORKER_HEALTH_PORT');
  });

  it('gives the worker DEPLOY_WORKER_STOP_GRACE_SECONDS to drain, documented beside WORKER_DRAIN_TIMEOUT_SECONDS', () => {
    expect(services.worker?.stop_grace_period).toBe('90s');
    const lines = text.split('\n');
    const grace = lines.findIndex((line) =>
      line.includes('stop_grace_period: ${WORKER_STOP_GRACE'),
    );
    const comment = lines.slice(grace - 4, grace).join('\n');
    expect(comment).toContain('WORKER_DRAIN_TIMEOUT_SECONDS');
    expect(comment).toContain('DEPLOY_WORKER_STOP_GRACE_SECONDS');
  });

  it('keeps PostgreSQL and Redis in the data profile, on named volumes, with healthchecks', () => {
    expect(Object.keys(DATA_SERVICES).sort()).toEqual(
      Object.keys(services)
        .filter((name) => services[name]?.profiles?.includes('data'))
        .sort(),
    );
    expect(services.postgres).toMatchObject({
      image: 'postgres:17',
      env_file: layout.dataEnv,
      volumes: ['postgres-data:/var/lib/postgresql/data'],
    });
    expect(services.redis).toMatchObject({
      image: 'redis:7',
      volumes: ['redis-data:/data'],
      command: ['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
    });
    expect(Object.keys(compose.volumes).sort()).toEqual([
      'postgres-data',
      'proxy-config',
      'proxy-data',
      'redis-data',
    ]);
    for (const name of Object.keys(DATA_SERVICES)) {
      expect(services[name]?.healthcheck?.test.length).toBeGreaterThan(0);
    }
    expect(services.postgres?.healthcheck?.test.join(' ')).toContain('-h 127.0.0.1');
  });

  it('runs a maintained Caddy that publishes HTTP and HTTPS and keeps its certificates in a named volume', () => {
    expect(services.proxy).toMatchObject({
      image: 'caddy:2',
      ports: ['0.0.0.0:80:80', '0.0.0.0:443:443'],
      volumes: ['/srv/starter/proxy:/etc/caddy:ro', 'proxy-data:/data', 'proxy-config:/config'],
    });
    // Nothing of a release in it: `up` of the next release leaves the running proxy, its
    // connections and its certificates alone.
    const proxySection = /^ {2}proxy:\n(?: {4}.*\n|\n)+/m.exec(values)![0];
    expect(proxySection).toContain('image: caddy:2');
    expect(proxySection).not.toMatch(/IMAGE_TAG|DIGEST|REPOSITORY/);
  });

  it('lets releases reach the data services by name over a shared network, publishing only the proxy', () => {
    expect(compose.networks.data).toEqual({ name: layout.dataNetwork, external: true });
    expect(compose.networks.edge).toEqual({ name: layout.edgeNetwork, external: true });
    for (const name of [...Object.keys(DATA_SERVICES), 'api', 'worker']) {
      expect([name, networksOf(services[name]!)]).toEqual([name, expect.arrayContaining(['data'])]);
    }
    expect(networksOf(services.proxy!)).toEqual(['edge']);
    expect(services.proxy?.profiles).toEqual(['edge']);
    expect(
      Object.entries(services)
        .filter(([, service]) => service.ports)
        .map(([name]) => name),
    ).toEqual(['proxy']);
  });
});

describe('compose.env', () => {
  it('writes one line per variable', () => {
    expect(renderComposeEnv({ IMAGE_TAG: TAG, PROXY_PORT: '80' })).toBe(
      `IMAGE_TAG=${TAG}\nPROXY_PORT=80\n`,
    );
  });

  it('refuses a value compose would read differently', () => {
    expect(() => renderComposeEnv({ PROXY_CONF_DIR: '/srv/my app' })).toThrow(
      'PROXY_CONF_DIR has an unsafe value',
    );
    expect(() => renderComposeEnv({ PROXY_CONF_DIR: '/srv/$HOME' })).toThrow('unsafe');
  });
});
