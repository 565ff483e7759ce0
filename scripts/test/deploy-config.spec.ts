import {
  deployEnvSchema,
  imageReference,
  InvalidEnvironmentError,
  loadEnv,
  registryEnvSchema,
} from '@starter/config';

const HOST_ENV = {
  DEPLOY_HOST: 'ec2-1-2-3-4.compute.amazonaws.com',
  DEPLOY_SSH_KEY: '/keys/deploy',
  DEPLOY_DOMAINS: 'shop.example.com',
  DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
  DEPLOY_SSM_PATH: '/starter/production/',
};

describe('registry configuration', () => {
  it('recognises ECR and takes the region from the registry host', () => {
    const config = loadEnv(registryEnvSchema, {
      DEPLOY_REGISTRY: '123456789012.dkr.ecr.eu-west-3.amazonaws.com',
    });

    expect(config.ecr).toEqual({ region: 'eu-west-3' });
    expect(imageReference(config, 'api', '0123456789ab')).toBe(
      '123456789012.dkr.ecr.eu-west-3.amazonaws.com/starter-api:0123456789ab',
    );
  });

  it('treats any other registry as a plain docker registry and applies the repository prefix', () => {
    const config = loadEnv(registryEnvSchema, {
      DEPLOY_REGISTRY: '127.0.0.1:5000',
      DEPLOY_REPOSITORY_PREFIX: 'test/',
    });

    expect(config.ecr).toBeUndefined();
    expect(config.repositories).toEqual({ api: 'test/starter-api', worker: 'test/starter-worker' });
  });
});

describe('host configuration', () => {
  it('fills in defaults', () => {
    const config = loadEnv(deployEnvSchema, HOST_ENV);

    expect(config).toMatchObject({
      app: 'starter',
      dir: '/srv/starter',
      ssh: { user: 'deploy', port: 22, knownHosts: { file: '/keys/known_hosts' } },
      proxy: {
        port: 80,
        tlsPort: 443,
        address: '0.0.0.0',
        tls: {
          mode: 'acme',
          domains: ['shop.example.com'],
          directory: 'https://acme-v02.api.letsencrypt.org/directory',
        },
      },
      retention: 5,
      secrets: { source: 'ssm', path: '/starter/production/' },
      migrateCommand: ['node', 'packages/db/dist/cli/migrate.js'],
      workerStopGraceSeconds: 120,
      dataServices: 'bundled',
    });
  });

  it('runs the data services on the host unless told they are managed', () => {
    expect(
      loadEnv(deployEnvSchema, { ...HOST_ENV, DEPLOY_DATA_SERVICES: 'external' }).dataServices,
    ).toBe('external');
    expect(() => loadEnv(deployEnvSchema, { ...HOST_ENV, DEPLOY_DATA_SERVICES: 'rds' })).toThrow(
      /DEPLOY_DATA_SERVICES/,
    );
  });

  it('takes overrides from the environment (CI)', () => {
    const config = loadEnv(deployEnvSchema, {
      ...HOST_ENV,
      DEPLOY_KNOWN_HOSTS_FILE: undefined,
      DEPLOY_KNOWN_HOSTS: 'host ssh-ed25519 AAAA',
      DEPLOY_PORT: '2222',
      DEPLOY_RETENTION: '3',
      DEPLOY_DIR: '/home/deploy/app',
      DEPLOY_MIGRATE_COMMAND: 'node  migrate.mjs',
    });

    expect(config).toMatchObject({
      ssh: { port: 2222, knownHosts: { content: 'host ssh-ed25519 AAAA' } },
      retention: 3,
      dir: '/home/deploy/app',
      migrateCommand: ['node', 'migrate.mjs'],
    });
  });

  it('requires a pinned host key and exactly one secrets source', () => {
    const attempt = () =>
      loadEnv(deployEnvSchema, {
        DEPLOY_HOST: 'host',
        DEPLOY_SSH_KEY: '/k',
        DEPLOY_DOMAINS: 'shop.example.com',
        DEPLOY_SSM_PATH: '/a/',
        DEPLOY_ENV_FILE: '.deploy/app.env',
      });

    expect(attempt).toThrow(InvalidEnvironmentError);
    expect(attempt).toThrow(/DEPLOY_KNOWN_HOSTS_FILE or DEPLOY_KNOWN_HOSTS must pin the host key/);
    expect(attempt).toThrow(/DEPLOY_SSM_PATH or DEPLOY_ENV_FILE \(exactly one\)/);
  });
});

describe('TLS configuration', () => {
  const withoutDomains = { ...HOST_ENV, DEPLOY_DOMAINS: undefined };
  const tls = (env: Record<string, string | undefined>) =>
    loadEnv(deployEnvSchema, { ...HOST_ENV, ...env }).proxy.tls;

  it("obtains certificates from Let's Encrypt for every domain listed, its staging CA or any directory by URL", () => {
    expect(tls({ DEPLOY_DOMAINS: 'shop.example.com, www.shop.example.com' })).toEqual({
      mode: 'acme',
      domains: ['shop.example.com', 'www.shop.example.com'],
      directory: 'https://acme-v02.api.letsencrypt.org/directory',
    });
    expect(tls({ DEPLOY_ACME_CA: 'letsencrypt-staging' })).toMatchObject({
      directory: 'https://acme-staging-v02.api.letsencrypt.org/directory',
    });
    expect(
      tls({
        DEPLOY_ACME_CA: 'https://ca.internal:9000/acme/acme/directory',
        DEPLOY_ACME_CA_ROOT: '/etc/ssl/internal-root.pem',
        DEPLOY_ACME_EMAIL: 'ops@example.com',
      }),
    ).toMatchObject({
      directory: 'https://ca.internal:9000/acme/acme/directory',
      caRootFile: '/etc/ssl/internal-root.pem',
      email: 'ops@example.com',
    });
  });

  it('refuses a setting the proxy configuration could not hold', () => {
    for (const env of [
      { DEPLOY_DOMAINS: 'Shop.example.com' },
      { DEPLOY_DOMAINS: 'shop.example.com {' },
      { DEPLOY_DOMAINS: '*.example.com' },
      { DEPLOY_ACME_CA: 'http://ca.internal/directory' },
      { DEPLOY_ACME_CA: 'zerossl' },
      { DEPLOY_ACME_EMAIL: 'ops' },
    ]) {
      expect(() => tls(env)).toThrow(InvalidEnvironmentError);
    }
  });

  it('needs the domains unless TLS is off', () => {
    expect(() => loadEnv(deployEnvSchema, withoutDomains)).toThrow(/DEPLOY_DOMAINS must name/);
  });

  it("with TLS off, needs the load balancer's addresses, the only peers trusted for the client's", () => {
    expect(() => loadEnv(deployEnvSchema, { ...withoutDomains, DEPLOY_TLS: 'off' })).toThrow(
      /DEPLOY_LOAD_BALANCER_CIDRS must name/,
    );
    expect(() =>
      loadEnv(deployEnvSchema, {
        ...withoutDomains,
        DEPLOY_TLS: 'off',
        DEPLOY_LOAD_BALANCER_CIDRS: '10.0.0.0/16, any',
      }),
    ).toThrow(/DEPLOY_LOAD_BALANCER_CIDRS/);
    expect(
      loadEnv(deployEnvSchema, {
        ...withoutDomains,
        DEPLOY_TLS: 'off',
        DEPLOY_LOAD_BALANCER_CIDRS: '10.0.0.0/16, fd00::/8',
      }).proxy.tls,
    ).toEqual({ mode: 'off', loadBalancerCidrs: ['10.0.0.0/16', 'fd00::/8'] });
  });
});
