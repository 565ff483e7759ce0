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
      proxy: { port: 80, address: '0.0.0.0' },
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
        DEPLOY_SSM_PATH: '/a/',
        DEPLOY_ENV_FILE: '.deploy/app.env',
      });

    expect(attempt).toThrow(InvalidEnvironmentError);
    expect(attempt).toThrow(/DEPLOY_KNOWN_HOSTS_FILE or DEPLOY_KNOWN_HOSTS must pin the host key/);
    expect(attempt).toThrow(/DEPLOY_SSM_PATH or DEPLOY_ENV_FILE \(exactly one\)/);
  });
});
