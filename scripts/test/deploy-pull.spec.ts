import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { deployEnvSchema, loadEnv, registryEnvSchema } from '@starter/config';
import { PRODUCTION_COMPOSE_FILE, ReleaseHost } from '../src/deploy/release-host';
import type { Remote } from '../src/lib/ssh';

const TAG = 'bbbbbbbbbbbb';
const DIGESTS = { api: `sha256:${'a'.repeat(64)}`, worker: `sha256:${'b'.repeat(64)}` };
const CREDENTIALS = { username: 'AWS', password: 'ecr-token' };

/**
 * A stand-in for docker on the host: logs its calls, writes a config.json on login as docker
 * does, and answers what the scripts read (FAKE_* variables).
 */
const FAKE_DOCKER = `#!/bin/bash
printf '%s\\n' "DOCKER_CONFIG=\${DOCKER_CONFIG:-} $*" >> "$FAKE_LOG"
case "$1" in
  login)
    printf '%s\\n' "password=$(cat)" >> "$FAKE_LOG"
    mkdir -p "\${DOCKER_CONFIG:-$HOME/.docker}" && echo '{"auths":{}}' > "\${DOCKER_CONFIG:-$HOME/.docker}/config.json" ;;
  compose)
    case " $* " in
      *" pull "*) exit "\${FAKE_PULL_EXIT:-0}" ;;
      *" ps -q "*) echo container-id ;;
    esac ;;
  inspect) echo "$FAKE_RUNNING_IMAGE" ;;
  image) printf '%s\\n' $FAKE_REPO_DIGESTS ;;
esac
`;

let root: string;
let host: ReleaseHost;
const environment: Record<string, string> = {};
const log = () => readFileSync(path.join(root, 'log'), 'utf8');
const tmp = () => path.join(root, 'tmp');

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'deploy-pull-'));
  for (const dir of ['bin', 'home', 'tmp', `srv/releases/${TAG}`]) {
    mkdirSync(path.join(root, dir), { recursive: true });
  }
  writeFileSync(path.join(root, 'bin/docker'), FAKE_DOCKER);
  chmodSync(path.join(root, 'bin/docker'), 0o755);
  writeFileSync(path.join(root, 'log'), '');
  writeFileSync(
    path.join(root, `srv/releases/${TAG}/compose.env`),
    `API_DIGEST=${DIGESTS.api}\nWORKER_DIGEST=${DIGESTS.worker}\n`,
  );
  Object.assign(environment, {
    PATH: `${path.join(root, 'bin')}:${process.env.PATH}`,
    HOME: path.join(root, 'home'),
    TMPDIR: tmp(),
    FAKE_LOG: path.join(root, 'log'),
    FAKE_PULL_EXIT: '0',
  });
  const remote: Remote = {
    destination: 'local',
    async run(script, { input } = {}) {
      return (
        await $({
          input: input ?? '',
          quiet: true,
          env: { ...process.env, ...environment },
        })`bash -c ${`set -euo pipefail\n${script}`}`
      ).stdout;
    },
    close: () => undefined,
  };
  host = new ReleaseHost(remote, {
    ...loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: '1.dkr.ecr.eu-west-1.amazonaws.com' }),
    ...loadEnv(deployEnvSchema, {
      DEPLOY_HOST: 'host',
      DEPLOY_SSH_KEY: '/keys/deploy',
      DEPLOY_DOMAINS: 'shop.example.com',
      DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
      DEPLOY_SSM_PATH: '/shop/production/',
      DEPLOY_DIR: path.join(root, 'srv'),
    }),
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the pull on the host', () => {
  it('logs in to a temporary DOCKER_CONFIG for the pull only, password on stdin, and removes it', async () => {
    await host.pull(TAG, DIGESTS, CREDENTIALS);

    const calls = log().split('\n');
    const login = calls.find((line) => line.includes(' login '));
    const config = /^DOCKER_CONFIG=(\S+) /.exec(login ?? '')?.[1];
    expect(config?.startsWith(tmp())).toBe(true);
    expect(calls).toContain('password=ecr-token');
    expect(login).not.toContain('ecr-token');
    expect(calls.find((line) => line.includes(' pull '))).toMatch(
      new RegExp(`^DOCKER_CONFIG=${config} `),
    );
    expect(existsSync(config!)).toBe(false);
    expect(readdirSync(tmp())).toEqual([]);
    expect(existsSync(path.join(root, 'home/.docker/config.json'))).toBe(false);
  });

  it('removes the temporary login when the pull fails', async () => {
    environment.FAKE_PULL_EXIT = '1';

    await expect(host.pull(TAG, DIGESTS, CREDENTIALS)).rejects.toThrow();

    expect(readdirSync(tmp())).toEqual([]);
    expect(existsSync(path.join(root, 'home/.docker/config.json'))).toBe(false);
  });

  it('pulls by digest and tags the images with the release for retention and rollback', async () => {
    await host.pull(TAG, DIGESTS, undefined);

    expect(log()).not.toContain(' login ');
    expect(log()).toContain(
      `tag 1.dkr.ecr.eu-west-1.amazonaws.com/starter-api@${DIGESTS.api} 1.dkr.ecr.eu-west-1.amazonaws.com/starter-api:${TAG}`,
    );
    expect(log()).toContain(
      `tag 1.dkr.ecr.eu-west-1.amazonaws.com/starter-worker@${DIGESTS.worker} 1.dkr.ecr.eu-west-1.amazonaws.com/starter-worker:${TAG}`,
    );
  });
});

describe('a started service on the host', () => {
  it('must run the image of the digest the release recorded', async () => {
    const release = path.join(root, 'srv/releases', TAG);
    mkdirSync(release, { recursive: true });
    copyFileSync(PRODUCTION_COMPOSE_FILE, path.join(release, 'compose.yml'));
    environment.FAKE_RUNNING_IMAGE = 'sha256:config';
    environment.FAKE_REPO_DIGESTS = `1.dkr.ecr.eu-west-1.amazonaws.com/starter-api@${DIGESTS.api}`;
    await expect(host.switchApi(TAG, undefined)).resolves.toBeUndefined();

    environment.FAKE_REPO_DIGESTS = `1.dkr.ecr.eu-west-1.amazonaws.com/starter-api@sha256:${'c'.repeat(64)}`;
    await expect(host.switchApi(TAG, undefined)).rejects.toThrow(
      `api of ${TAG} runs image sha256:config, not 1.dkr.ecr.eu-west-1.amazonaws.com/starter-api@${DIGESTS.api}`,
    );

    // The containerd image store names the image by the digest it pulled.
    environment.FAKE_RUNNING_IMAGE = DIGESTS.worker;
    environment.FAKE_REPO_DIGESTS = '';
    await expect(host.replaceWorker(TAG, undefined)).resolves.toBeUndefined();
  });
});
