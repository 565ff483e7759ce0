import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployEnvSchema, loadEnv, registryEnvSchema } from '@starter/config';
import { formatAuditLine } from '../src/deploy/audit-log';
import { ReleaseHost } from '../src/deploy/release-host';
import type { ReleaseManifest } from '../src/release/release-manifest';
import { localRemote } from './local-remote';

const TAG = 'aaaaaaaaaaaa';
const MANIFEST: ReleaseManifest = {
  tag: TAG,
  commit: 'a'.repeat(40),
  digests: { api: `sha256:${'1'.repeat(64)}`, worker: `sha256:${'2'.repeat(64)}` },
  built: '2026-01-01T00:00:00Z',
};
let dir: string;
let host: ReleaseHost;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'source-record-'));
  host = new ReleaseHost(localRemote, {
    ...loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: '127.0.0.1:5000' }),
    ...loadEnv(deployEnvSchema, {
      DEPLOY_HOST: 'host',
      DEPLOY_SSH_KEY: '/keys/deploy',
      DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
      DEPLOY_DOMAINS: 'staging.shop.example.com',
      DEPLOY_SSM_PATH: '/shop/staging/',
      DEPLOY_DIR: dir,
    }),
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('what a promotion reads from the source host', () => {
  it('the manifest a release was deployed from, while its files are retained', async () => {
    await expect(host.recordedManifest(TAG)).resolves.toBeUndefined();
    mkdirSync(path.join(dir, 'releases', TAG), { recursive: true });
    writeFileSync(path.join(dir, 'releases', TAG, 'release.json'), JSON.stringify(MANIFEST));
    await expect(host.recordedManifest(TAG)).resolves.toEqual(MANIFEST);
    writeFileSync(
      path.join(dir, 'releases', TAG, 'release.json'),
      JSON.stringify({ ...MANIFEST, tag: 'bbbbbbbbbbbb' }),
    );
    await expect(host.recordedManifest(TAG)).rejects.toThrow(
      `is not the release manifest of ${TAG}`,
    );
  });

  it('the audit log, every line parsed back, and none before the first deploy', async () => {
    await expect(host.auditLog()).resolves.toEqual([]);
    await host.audit(
      formatAuditLine({ actor: 'ci', action: 'deploy', release: TAG, result: 'success' }),
    );
    await host.audit(
      formatAuditLine({
        actor: 'ci',
        action: 'checks',
        release: TAG,
        result: 'failed',
        failed: 'log in',
      }),
    );
    expect(
      (await host.auditLog()).map(({ action, result, failed }) => [action, result, failed]),
    ).toEqual([
      ['deploy', 'success', undefined],
      ['checks', 'failed', 'log in'],
    ]);
  });
});
