import { deployEnvSchema, loadEnv } from '@starter/config';
import {
  ACME_CA_ROOT_FILE,
  parseProxyResponse,
  PROXY_CONFIG_DIR,
  renderProxyConfig,
} from '../src/deploy/proxy-config';
import { availableReleases, imagesToDelete, retainedReleases } from '../src/deploy/retention';
import { shellJoin, shellQuote } from '../src/lib/shell-quote';
import { runSteps, StepFailedError } from '../src/lib/steps';

describe('retention', () => {
  it('keeps the newest distinct releases that went live', () => {
    expect(retainedReleases(['a', 'b', 'a', 'c', 'd'], 3)).toEqual(['d', 'c', 'a']);
  });

  it("deletes only this project's images of releases that are not kept", () => {
    const images = ['r/api:a', 'r/api:b', 'r/worker:b', 'other/api:b', 'r/api:c'];
    expect(imagesToDelete(images, ['r/api', 'r/worker'], ['c'])).toEqual([
      'r/api:a',
      'r/api:b',
      'r/worker:b',
    ]);
  });

  it('offers for rollback only releases that went live and still have files and both images', () => {
    const images = [
      'r/api:a',
      'r/worker:a',
      'r/api:b',
      'r/api:c',
      'r/worker:c',
      'r/api:x',
      'r/worker:x',
    ];
    expect(
      availableReleases(['a', 'b', 'c'], ['a', 'b', 'c', 'x'], images, ['r/api', 'r/worker']),
    ).toEqual(['c', 'a']);
  });
});

const proxyConfig = (env: Record<string, string>) =>
  loadEnv(deployEnvSchema, {
    DEPLOY_HOST: 'host',
    DEPLOY_SSH_KEY: '/keys/deploy',
    DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
    DEPLOY_SSM_PATH: '/shop/production/',
    ...env,
  }).proxy;
const ACME = proxyConfig({ DEPLOY_DOMAINS: 'shop.example.com,www.shop.example.com' });
const BEHIND_LOAD_BALANCER = proxyConfig({
  DEPLOY_TLS: 'off',
  DEPLOY_LOAD_BALANCER_CIDRS: '10.0.0.0/16,10.1.0.0/16',
});
const TAG = '0123456789ab';

describe('proxy', () => {
  it('points the upstream at one release and tags responses with it, in both TLS modes', () => {
    for (const proxy of [ACME, BEHIND_LOAD_BALANCER]) {
      const config = renderProxyConfig(TAG, proxy);
      expect(config).toContain(`\treverse_proxy api-${TAG}:3000 {`);
      expect(config).toContain(`\theader X-Release ${TAG}\n`);
      expect(config.match(/reverse_proxy/g)).toHaveLength(1);
      // A connection that never sends a request cannot hold up a switch's drain for long.
      expect(config).toContain('\t\ttimeouts {\n\t\t\tread_header 10s\n\t\t}\n');
    }
  });

  it("serves the domains over TLS with certificates from the ACME directory (Let's Encrypt by default)", () => {
    const config = renderProxyConfig(TAG, ACME);
    expect(config).toContain('\nshop.example.com, www.shop.example.com {\n');
    expect(config).toContain('\tacme_ca https://acme-v02.api.letsencrypt.org/directory\n');
    expect(config).not.toMatch(/auto_https|acme_ca_root|email|trusted_proxies|header_up/);
  });

  it('trusts the root and names the contact it is given', () => {
    const config = renderProxyConfig(
      TAG,
      proxyConfig({
        DEPLOY_DOMAINS: 'shop.example.com',
        DEPLOY_ACME_CA: 'https://ca.internal/dir',
        DEPLOY_ACME_CA_ROOT: '/here/root.pem',
        DEPLOY_ACME_EMAIL: 'ops@example.com',
      }),
    );
    expect(config).toContain('\tacme_ca https://ca.internal/dir\n');
    expect(config).toContain(`\tacme_ca_root ${PROXY_CONFIG_DIR}/${ACME_CA_ROOT_FILE}\n`);
    expect(config).toContain('\temail ops@example.com\n');
  });

  it("sends HSTS only over TLS: its own on the TLS site, the API's never", () => {
    const hsts = 'Strict-Transport-Security "max-age=31536000"';
    const acme = renderProxyConfig(TAG, ACME);
    expect(acme).toContain(`\nshop.example.com, www.shop.example.com {\n\theader ${hsts}\n`);
    const plain = renderProxyConfig(TAG, BEHIND_LOAD_BALANCER);
    // Over plain HTTP, only when the load balancer (and nothing else) says it terminated TLS.
    expect(plain).toContain(
      `\t@tls_at_load_balancer {\n\t\tremote_ip 10.0.0.0/16 10.1.0.0/16\n\t\theader X-Forwarded-Proto https\n\t}\n\theader @tls_at_load_balancer ${hsts}\n`,
    );
    for (const config of [acme, plain]) {
      expect(config.match(/Strict-Transport-Security "/g)).toHaveLength(1);
      expect(config).toContain('\t\theader_down -Strict-Transport-Security\n');
    }
  });

  it('behind a load balancer, serves plain HTTP and passes on the client the balancer saw, one hop', () => {
    const config = renderProxyConfig(TAG, BEHIND_LOAD_BALANCER);
    expect(config).toContain('\tauto_https off\n');
    expect(config).toContain('\n:80 {\n');
    expect(config).not.toContain('acme_ca');
    expect(config).toContain('\t\ttrusted_proxies 10.0.0.0/16 10.1.0.0/16\n');
    // Caddy appends the balancer's address to the X-Forwarded-For it trusts; the rewrite keeps the
    // entry before it. Go's and JavaScript's regular expressions agree on this one.
    const [, pattern, replacement] = /header_up X-Forwarded-For "(.+)" "(.+)"/.exec(config)!;
    const passedOn = (header: string) =>
      header.replace(
        new RegExp(pattern!.replaceAll('\\\\', '\\')),
        replacement!.replace('$1', '$$1'),
      );
    expect(passedOn('203.0.113.9, 10.0.0.5')).toBe('203.0.113.9');
    expect(passedOn('198.51.100.7, 203.0.113.9, 10.0.0.5')).toBe('203.0.113.9');
    expect(passedOn('198.51.100.7,203.0.113.9,10.0.0.5')).toBe('203.0.113.9');
    // The balancer's own requests (health checks), and any other peer: only Caddy's entry.
    expect(passedOn('10.0.0.5')).toBe('10.0.0.5');
  });

  it('answers /metrics itself with 404, whatever the spelling, instead of passing it to the API', () => {
    const config = renderProxyConfig(TAG, ACME);
    expect(config).toContain('\t@metrics path_regexp (?i)^/metrics(/|$)\n\trespond @metrics 404\n');
    const metrics = /path_regexp (\S+)/.exec(config)![1]!.replace('(?i)', '');
    for (const path of ['/metrics', '/metrics/', '/METRICS', '/Metrics/x']) {
      expect([path, new RegExp(metrics, 'i').test(path)]).toEqual([path, true]);
    }
    expect(new RegExp(metrics, 'i').test('/metricsx')).toBe(false);
  });

  it('refuses a tag that could inject configuration', () => {
    expect(() => renderProxyConfig('a; }', ACME)).toThrow('invalid release tag');
  });

  it('reads the status and the release of the last response', () => {
    const headers = 'HTTP/1.1 200 OK\r\nServer: Caddy\r\nX-Release: abc\r\n\r\n';
    expect(parseProxyResponse(headers)).toEqual({ status: 200, release: 'abc' });
    expect(parseProxyResponse('HTTP/1.1 502 Bad Gateway\r\n\r\n')).toEqual({
      status: 502,
      release: undefined,
    });
    expect(() => parseProxyResponse('')).toThrow('no HTTP response');
  });
});

describe('shell quoting', () => {
  it('leaves plain words alone and quotes everything else for a POSIX shell', () => {
    expect(shellJoin(['docker', 'compose', '-p', 'app-1'])).toBe('docker compose -p app-1');
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(shellQuote('')).toBe("''");
  });
});

describe('steps', () => {
  it('prints the plan without running anything under --dry-run', async () => {
    const lines: string[] = [];
    const run = jest.fn(() => Promise.resolve());
    await runSteps([{ name: 'pull', plan: 'docker pull x', run }], {
      dryRun: true,
      log: (line) => lines.push(line),
    });

    expect(run).not.toHaveBeenCalled();
    expect(lines).toEqual(['[dry-run] 1/1 pull: docker pull x']);
  });

  it('prints each step with its duration and stops at the first failure, naming it', async () => {
    const lines: string[] = [];
    const never = jest.fn(() => Promise.resolve());
    const attempt = runSteps(
      [
        { name: 'one', plan: '', run: () => Promise.resolve() },
        { name: 'two', plan: '', run: () => Promise.reject(new Error('boom')) },
        { name: 'three', plan: '', run: never },
      ],
      { dryRun: false, log: (line) => lines.push(line) },
    );

    await expect(attempt).rejects.toEqual(
      expect.objectContaining({ step: 'two', message: 'two failed: boom' }),
    );
    await expect(attempt).rejects.toBeInstanceOf(StepFailedError);
    expect(never).not.toHaveBeenCalled();
    expect(lines.map((line) => line.replace(/\(\d+\.\ds\)/, '(t)'))).toEqual([
      '▶ 1/3 one',
      '✓ 1/3 one (t)',
      '▶ 2/3 two',
      '✗ 2/3 two (t)',
    ]);
  });

  it('reports the duration of every step run, the failed one included, and none under --dry-run', async () => {
    const timings: { step: string; seconds: number }[] = [];
    const steps = [
      { name: 'one', plan: '', run: () => new Promise<void>((done) => setTimeout(done, 20)) },
      { name: 'two', plan: '', run: () => Promise.reject(new Error('boom')) },
      { name: 'three', plan: '', run: () => Promise.resolve() },
    ];
    const onStepEnd = (timing: { step: string; seconds: number }) => timings.push(timing);

    await runSteps(steps, { dryRun: true, log: () => undefined, onStepEnd });
    expect(timings).toEqual([]);
    await expect(
      runSteps(steps, { dryRun: false, log: () => undefined, onStepEnd }),
    ).rejects.toBeInstanceOf(StepFailedError);
    expect(timings.map(({ step }) => step)).toEqual(['one', 'two']);
    expect(timings[0]!.seconds).toBeGreaterThanOrEqual(0.015);
  });
});
