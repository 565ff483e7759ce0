import { deployEnvSchema, loadEnv, registryEnvSchema, type DeployConfig } from '@starter/config';
import { ReleaseHost } from '../src/deploy/release-host';
import type { Remote, RunOptions } from '../src/lib/ssh';

const config: DeployConfig = {
  ...loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: '127.0.0.1:5000' }),
  ...loadEnv(deployEnvSchema, {
    DEPLOY_APP: 'shop',
    DEPLOY_HOST: 'host',
    DEPLOY_SSH_KEY: '/keys/deploy',
    DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
    DEPLOY_SSM_PATH: '/shop/production/',
  }),
};

const MANIFEST = {
  tag: 'bbbbbbbbbbbb',
  commit: 'b'.repeat(40),
  digests: { api: `sha256:${'a'.repeat(64)}`, worker: `sha256:${'b'.repeat(64)}` },
  built: '2026-01-01T00:00:00Z',
};

/** Records the scripts a ReleaseHost sends to the host (which answers nothing). */
function recordingHost() {
  const scripts: { script: string; input?: string }[] = [];
  const remote: Remote = {
    destination: 'recorded',
    run: (script: string, options?: RunOptions) => {
      scripts.push({ script, input: options?.input });
      return Promise.resolve('');
    },
    close: () => undefined,
  };
  return { host: new ReleaseHost(remote, config), scripts };
}

describe('the commands a deploy, a rollback or a failed release run on the host', () => {
  it('never take down, recreate or remove volumes of the long-lived project', async () => {
    const { host, scripts } = recordingHost();
    await host.upload('bbbbbbbbbbbb', "JWT_SECRET='x'\n", MANIFEST);
    await host.startDataServices('bbbbbbbbbbbb', "POSTGRES_PASSWORD='x'\n");
    await host.switchApi('bbbbbbbbbbbb', 'aaaaaaaaaaaa');
    await host.replaceWorker('bbbbbbbbbbbb', 'aaaaaaaaaaaa');
    await host.remove('cccccccccccc');
    await host.applyRetention();

    const commands = scripts.map(({ script }) => script).join('\n');
    const downs = commands
      .split('\n')
      .flatMap((line) => line.split('&&'))
      .filter((part) => / down\b/.test(part));
    expect(downs.map((part) => /-p (shop-[a-z0-9]+) /.exec(part)?.[1])).toEqual([
      'shop-aaaaaaaaaaaa',
      'shop-cccccccccccc',
    ]);
    expect(commands).not.toMatch(/ -p shop .*\bdown\b/);
    expect(commands).not.toMatch(
      /--volumes|\s-v\b|volume rm|--remove-orphans|--force-recreate|prune|\bdocker( compose [^\n]*| container)? rm\b/,
    );
  });

  it('start the bundled services with `up --wait` in the long-lived project, credentials in a 0600 file', async () => {
    const { host, scripts } = recordingHost();
    await host.startDataServices('bbbbbbbbbbbb', "POSTGRES_PASSWORD='x'\n");

    const [write, up] = scripts;
    expect(write?.script).toContain(
      'chmod 600 /srv/shop/data.env.tmp && mv /srv/shop/data.env.tmp /srv/shop/data.env',
    );
    expect(write?.input).toBe("POSTGRES_PASSWORD='x'\n");
    expect(up?.script).toBe(
      'docker compose -p shop -f /srv/shop/releases/bbbbbbbbbbbb/compose.yml --env-file /srv/shop/releases/bbbbbbbbbbbb/compose.env up -d --no-deps --wait postgres redis',
    );
  });
});
