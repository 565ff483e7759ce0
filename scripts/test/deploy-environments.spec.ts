import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployEnvSchema, loadEnv } from '@starter/config';
import {
  ENVIRONMENTS_FILE,
  environmentVariables,
  githubEnvironmentOf,
  readEnvironments,
} from '../src/deploy/environments';
import { deploySettings } from '../src/lib/load-config';

const SHARED = {
  DEPLOY_REGISTRY: '127.0.0.1:5000',
  DEPLOY_HOST: 'shared.example.com',
  DEPLOY_SSH_KEY: '/keys/deploy',
  DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
  DEPLOY_DOMAINS: 'shop.example.com',
};

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'environments-'))));
afterEach(() => {
  delete process.env.DEPLOY_ENVIRONMENTS_FILE;
  rmSync(dir, { recursive: true, force: true });
});

function useEnvironments(content: unknown): void {
  const file = path.join(dir, 'environments.json');
  writeFileSync(file, JSON.stringify(content));
  process.env.DEPLOY_ENVIRONMENTS_FILE = file;
}

describe('environments', () => {
  it('the default file defines staging and production as two apps that can share one host', () => {
    const environments = readEnvironments(ENVIRONMENTS_FILE);
    expect(Object.keys(environments)).toEqual(['staging', 'production']);
    // Production is what the DEPLOY_* variables say, as without --env.
    const [staging, production] = ['staging', 'production'].map((name) =>
      loadEnv(deployEnvSchema, {
        ...SHARED,
        DEPLOY_SSM_PATH: '/starter/production/',
        ...environmentVariables(environments, name),
      }),
    );
    expect(staging!.ssh.host).toBe(production!.ssh.host);
    expect([staging!.environment, staging!.app, staging!.dir, staging!.proxy.port]).toEqual([
      'staging',
      'starter-staging',
      '/srv/starter-staging',
      8080,
    ]);
    expect([
      production!.environment,
      production!.app,
      production!.dir,
      production!.proxy.port,
    ]).toEqual(['production', 'starter', '/srv/starter', 80]);
    // Two proxies on one host: neither may bind the other's ports.
    expect([staging!.proxy.tlsPort, production!.proxy.tlsPort]).toEqual([8443, 443]);
    expect(staging!.secrets).toEqual({ source: 'ssm', path: '/starter/staging/' });
    expect(staging!.url).toBe('http://shared.example.com:8080');
    expect(production!.url).toBe('http://shared.example.com');
    expect(githubEnvironmentOf(environments, 'staging')).toBe('staging');
  });

  it("an environment's fields override the DEPLOY_* variables, which fill in the rest", () => {
    useEnvironments({
      qa: {
        host: 'qa.example.com',
        url: 'https://qa.example.com',
        ssmPath: '/shop/qa/',
        settings: { DEPLOY_RETENTION: '2' },
      },
    });
    const config = loadEnv(
      deployEnvSchema,
      deploySettings('qa', { ...SHARED, DEPLOY_ENV_FILE: '.deploy/app.env', DEPLOY_USER: 'ops' }),
    );
    expect({
      host: config.ssh.host,
      user: config.ssh.user,
      url: config.url,
      secrets: config.secrets,
      retention: config.retention,
      environment: config.environment,
    }).toEqual({
      host: 'qa.example.com',
      user: 'ops',
      url: 'https://qa.example.com',
      // The environment names its own secrets: DEPLOY_ENV_FILE does not also apply.
      secrets: { source: 'ssm', path: '/shop/qa/' },
      retention: 2,
      environment: 'qa',
    });
  });

  it('without --env the DEPLOY_* variables are used as they are, with no environment', () => {
    const base = { ...SHARED, DEPLOY_SSM_PATH: '/starter/production/' };
    expect(deploySettings(undefined, base)).toBe(base);
    expect(loadEnv(deployEnvSchema, base).environment).toBeUndefined();
  });

  it('refuses an unknown environment naming the known ones, and a malformed file naming the field', () => {
    useEnvironments({ staging: {}, production: {} });
    expect(() => deploySettings('prod', SHARED)).toThrow(
      'there is no environment prod; the environments are staging, production',
    );
    useEnvironments({ staging: { settings: { HOST: 'x' } } });
    expect(() => deploySettings('staging', SHARED)).toThrow(/staging\.settings\.HOST: Invalid key/);
    useEnvironments({ staging: { hots: 'x' } });
    expect(() => deploySettings('staging', SHARED)).toThrow(/not a valid environments file/);
  });
});
