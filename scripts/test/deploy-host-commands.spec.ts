import { deployEnvSchema, loadEnv, registryEnvSchema, type DeployConfig } from '@starter/config';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderProxyConfig } from '../src/deploy/proxy-config';
import { PRODUCTION_COMPOSE_FILE, ReleaseHost } from '../src/deploy/release-host';
import type { Remote, RunOptions } from '../src/lib/ssh';

const config: DeployConfig = {
  ...loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: '127.0.0.1:5000' }),
  ...loadEnv(deployEnvSchema, {
    DEPLOY_APP: 'shop',
    DEPLOY_HOST: 'host',
    DEPLOY_SSH_KEY: '/keys/deploy',
    DEPLOY_DOMAINS: 'shop.example.com',
    DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
    DEPLOY_SSM_PATH: '/shop/production/',
  }),
};

const tlsOf = ({ proxy: { tls } }: DeployConfig) => {
  if (tls.mode !== 'acme') throw new Error('the test configuration uses ACME');
  return tls;
};

const MANIFEST = {
  tag: 'bbbbbbbbbbbb',
  commit: 'b'.repeat(40),
  digests: { api: `sha256:${'a'.repeat(64)}`, worker: `sha256:${'b'.repeat(64)}` },
  built: '2026-01-01T00:00:00Z',
};

/** Records the scripts a ReleaseHost sends to the host (which answers nothing). */
function recordingHost(hostConfig: DeployConfig = config) {
  const scripts: { script: string; input?: string }[] = [];
  const remote: Remote = {
    destination: 'recorded',
    run: (script: string, options?: RunOptions) => {
      scripts.push({ script, input: options?.input });
      return Promise.resolve('');
    },
    close: () => undefined,
  };
  return { host: new ReleaseHost(remote, hostConfig), scripts };
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

  it('switch the proxy by reloading Caddy, and stop the old API only once the connections from before have closed', async () => {
    const { host, scripts } = recordingHost();
    await host.switchApi('bbbbbbbbbbbb', 'aaaaaaaaaaaa');

    const write = scripts.findIndex(({ script }) =>
      script.includes('/srv/shop/proxy/Caddyfile.tmp'),
    );
    expect(scripts[write]?.input).toBe(renderProxyConfig('bbbbbbbbbbbb', config.proxy));
    const reload = scripts.findIndex(({ script }) => script.includes('caddy reload'));
    const stop = scripts.findIndex(({ script }) =>
      /-p shop-aaaaaaaaaaaa .* stop api$/.test(script),
    );
    expect(write).toBeGreaterThan(-1);
    expect([write < reload, reload < stop]).toEqual([true, true]);
    const script = scripts[reload]!.script;
    expect(script).toContain(
      'docker compose -p shop -f /srv/shop/releases/bbbbbbbbbbbb/compose.yml --env-file /srv/shop/releases/bbbbbbbbbbbb/compose.env up -d --no-deps proxy\ndocker exec shop-proxy-1 sh -c ',
    );
    // The client connections (of port 443) open before the reload are listed first, then
    // waited for until none is left, within DEPLOY_PROXY_DRAIN_TIMEOUT_SECONDS (60 s by default).
    expect(script.indexOf('old=$(cat /proc/net/tcp /proc/net/tcp6')).toBeLessThan(
      script.indexOf('caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile || exit 1'),
    );
    expect(script).toContain('$2 ~ /:01BB$/');
    expect(script).toContain('while [ $i -lt 600 ]; do');
    expect(script).toContain('still open after 60s (DEPLOY_PROXY_DRAIN_TIMEOUT_SECONDS)');
  });

  it('upload the root a private ACME directory is trusted by, beside the proxy configuration', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acme-root-'));
    const root = path.join(dir, 'root.pem');
    writeFileSync(root, '-----BEGIN CERTIFICATE-----\n');
    try {
      const { host, scripts } = recordingHost({
        ...config,
        proxy: { ...config.proxy, tls: { ...tlsOf(config), caRootFile: root } },
      });
      await host.upload('bbbbbbbbbbbb', "JWT_SECRET='x'\n", MANIFEST);
      const write = scripts.find(({ script }) =>
        script.includes('/srv/shop/proxy/acme-ca-root.pem.tmp'),
      );
      expect(write?.input).toBe('-----BEGIN CERTIFICATE-----\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verify over HTTPS to the first domain at the host itself, waiting for a first certificate', () => {
    const { host } = recordingHost();
    const request = host.proxyRequest('/health/ready');
    expect(request).toContain(
      'until curl -sS -o /dev/null -D - --max-time 10 --insecure --resolve shop.example.com:443:127.0.0.1 https://shop.example.com:443/health/ready; do',
    );
    expect(request).toContain('if [ "$code" != 35 ] || [ "$(date +%s)" -ge "$deadline" ]; then');
    expect(request).toContain('deadline=$(( $(date +%s) + 180 ))');
  });

  it('refuse to switch to a release whose compose file still runs the nginx proxy', async () => {
    const { host, scripts } = recordingHost();
    await host.switchApi('bbbbbbbbbbbb', 'aaaaaaaaaaaa');
    expect(scripts[0]?.script).toMatch(
      /^grep -q '\^ {4}image: caddy:' \/srv\/shop\/releases\/bbbbbbbbbbbb\/compose.yml \|\| /,
    );
    expect(readFileSync(PRODUCTION_COMPOSE_FILE, 'utf8')).toMatch(/^ {4}image: caddy:/m);
  });

  it('with TLS off, wait for the connections of port 80, the one that then proxies to the API', async () => {
    const { host, scripts } = recordingHost({
      ...config,
      proxy: { ...config.proxy, tls: { mode: 'off', loadBalancerCidrs: ['10.0.0.0/16'] } },
    });
    await host.switchApi('bbbbbbbbbbbb', 'aaaaaaaaaaaa');
    const reload = scripts.find(({ script }) => script.includes('caddy reload'))!.script;
    expect(reload).toContain('$2 ~ /:0050$/');
    expect(reload).not.toContain('01BB');
  });

  it('verify over plain HTTP with TLS off', () => {
    const { host } = recordingHost({
      ...config,
      proxy: {
        ...config.proxy,
        port: 8080,
        tls: { mode: 'off', loadBalancerCidrs: ['10.0.0.0/16'] },
      },
    });
    expect(host.proxyRequest('/health/ready')).toBe(
      'curl -sS -o /dev/null -D - --max-time 10 http://127.0.0.1:8080/health/ready',
    );
  });
});
