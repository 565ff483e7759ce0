import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployEnvSchema, loadEnv, registryEnvSchema } from '@starter/config';
import { ReleaseHost } from '../src/deploy/release-host';
import { localRemote } from './local-remote';

const TAG = 'aaaaaaaaaaaa';
let dir: string;
let host: ReleaseHost;
const appEnv = () => readFileSync(path.join(dir, 'releases', TAG, 'app.env'), 'utf8');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rollback-env-'));
  host = new ReleaseHost(localRemote, {
    ...loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: '127.0.0.1:5000' }),
    ...loadEnv(deployEnvSchema, {
      DEPLOY_HOST: 'host',
      DEPLOY_SSH_KEY: '/keys/deploy',
      DEPLOY_DOMAINS: 'shop.example.com',
      DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
      DEPLOY_SSM_PATH: '/shop/production/',
      DEPLOY_DIR: dir,
    }),
  });
  mkdirSync(path.join(dir, 'releases', TAG), { recursive: true });
  writeFileSync(path.join(dir, 'releases', TAG, 'app.env'), "JWT_SECRET='old'\n", { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("a rollback's app environment on the host", () => {
  it('is the current one (mode 0600), the deployed one kept aside, even over two rollbacks', async () => {
    await host.replaceAppEnv(TAG, "JWT_SECRET='rotated'\n");
    await host.replaceAppEnv(TAG, "JWT_SECRET='rotated-again'\n");

    expect(appEnv()).toBe("JWT_SECRET='rotated-again'\n");
    expect(statSync(path.join(dir, 'releases', TAG, 'app.env')).mode & 0o777).toBe(0o600);

    await host.restoreDeployedAppEnv(TAG);

    expect(appEnv()).toBe("JWT_SECRET='old'\n");
    expect(statSync(path.join(dir, 'releases', TAG, 'app.env')).mode & 0o777).toBe(0o600);
  });

  it('--restore-env of a release never rolled back to keeps its app.env', async () => {
    await host.restoreDeployedAppEnv(TAG);

    expect(appEnv()).toBe("JWT_SECRET='old'\n");
  });
});
