import { deployEnvSchema, loadEnv, registryEnvSchema, type DeployConfig } from '@starter/config';
import { InterruptedError, runReleaseFlow, type FlowOptions } from '../src/deploy/release-flow';
import type { Remote } from '../src/lib/ssh';
import type { Step } from '../src/lib/steps';

const config: DeployConfig = {
  ...loadEnv(registryEnvSchema, { DEPLOY_REGISTRY: '127.0.0.1:5000' }),
  ...loadEnv(deployEnvSchema, {
    DEPLOY_APP: 'shop',
    DEPLOY_HOST: 'host',
    DEPLOY_SSH_KEY: '/keys/deploy',
    DEPLOY_DOMAINS: 'shop.example.com',
    DEPLOY_KNOWN_HOSTS_FILE: '/keys/known_hosts',
    DEPLOY_SSM_PATH: '/shop/production/',
    DEPLOY_ACTOR: 'tester',
  }),
};
const LIVE = 'aaaaaaaaaaaa';
const NEW = 'bbbbbbbbbbbb';

/**
 * A host that answers the flow's scripts like a healthy one with LIVE running, and records them.
 * `during(script)` runs while a script is "on the host", e.g. to send the deploy a signal.
 */
function fakeHost(during: (script: string) => void = () => undefined) {
  const scripts: string[] = [];
  let proxyRelease = LIVE;
  const remote: Remote = {
    destination: 'fake',
    run(script, { input } = {}) {
      scripts.push(script);
      during(script);
      if (script.includes('staging=$(mktemp')) return Promise.resolve('acquired\n');
      if (script.includes('echo renewed')) return Promise.resolve('renewed\n');
      if (script.startsWith('cat /srv/shop/current')) return Promise.resolve(`${LIVE}\n\n`);
      if (script.includes('proxy/Caddyfile.tmp')) {
        proxyRelease = /reverse_proxy api-([a-z0-9]+):3000/.exec(input ?? '')?.[1] ?? proxyRelease;
      }
      if (script.includes('curl -sS -o /dev/null -D -')) {
        return Promise.resolve(`HTTP/1.1 200 OK\r\nX-Release: ${proxyRelease}\r\n\r\n`);
      }
      return Promise.resolve('');
    },
    close: () => undefined,
  };
  const index = (pattern: RegExp) => scripts.findIndex((script) => pattern.test(script));
  return { remote, scripts, index };
}

function flow(remote: Remote, overrides: Partial<FlowOptions> = {}): Promise<void> {
  return runReleaseFlow({
    action: 'deploy',
    config,
    dryRun: false,
    target: () => NEW,
    dryRunTarget: NEW,
    preflight: () => [],
    prepare: () => [],
    finish: () => [],
    remote,
    ...overrides,
  });
}

/** What a terminal's Ctrl-C or a runner's cancel delivers: the listener hears the signal's name. */
const signal = (name: NodeJS.Signals) => process.emit(name as 'SIGINT', name as 'SIGINT');

const startsApi = (tag: string) =>
  new RegExp(`-p shop-${tag} .* up -d --no-deps --wait --pull never api`);
const AUDIT = /audit\.log/;
const RELEASE_LOCK = /rm -rf \/srv\/shop\/lock; fi/;

let output: jest.SpyInstance[];
beforeEach(() => {
  output = [
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true),
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
});
afterEach(() => output.forEach((spy) => spy.mockRestore()));

describe('a deploy on the host', () => {
  it('takes the lock before it reads the state it acts on', async () => {
    const { remote, index } = fakeHost();

    await flow(remote);

    const lock = index(/staging=\$\(mktemp/);
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(index(/^cat \/srv\/shop\/current/)).toBeGreaterThan(lock);
  });

  it('interrupted during the switch: lets the step finish, restores the live release, audits, then unlocks; exits 130', async () => {
    const { remote, scripts, index } = fakeHost((script) => {
      if (startsApi(NEW).test(script)) signal('SIGINT');
    });

    const result = flow(remote);

    await expect(result).rejects.toBeInstanceOf(InterruptedError);
    await expect(result).rejects.toMatchObject({ processExitCode: 130 });
    await expect(result).rejects.toThrow(`restored ${LIVE}`);
    const switched = index(startsApi(NEW));
    const restored = scripts.findIndex(
      (script, at) => at > switched && startsApi(LIVE).test(script),
    );
    expect(restored).toBeGreaterThan(switched);
    expect(scripts.some((script) => script.includes('current.tmp'))).toBe(false);
    const audit = index(AUDIT);
    expect(scripts[audit]).toMatch(
      /action=deploy release=bbbbbbbbbbbb result=interrupted at=switch-api/,
    );
    expect(index(RELEASE_LOCK)).toBeGreaterThan(audit);
    expect(index(RELEASE_LOCK)).toBeGreaterThan(restored);
  });

  it('interrupted before the switch (SIGTERM during a prepare step): starts no further step, switches nothing; exits 143', async () => {
    const { remote, scripts, index } = fakeHost();
    const migrate: Step = {
      name: 'migrate',
      plan: 'migrate',
      run: async () => {
        signal('SIGTERM');
        // A second signal within the grace period changes nothing.
        signal('SIGTERM');
        await remote.run('migrate on the host');
      },
    };

    const result = flow(remote, { prepare: () => [migrate] });

    await expect(result).rejects.toMatchObject({ processExitCode: 143 });
    await expect(result).rejects.toThrow(`nothing was switched: ${LIVE} is still live`);
    expect(scripts).toContain('migrate on the host');
    expect(index(/ up -d /)).toBe(-1);
    expect(scripts[index(AUDIT)]).toContain('result=interrupted at=migrate');
    expect(index(RELEASE_LOCK)).toBeGreaterThan(index(AUDIT));
  });

  it('interrupted after the release is recorded: keeps it live and skips the rest', async () => {
    const { remote, scripts, index } = fakeHost((script) => {
      if (script.includes('current.tmp')) signal('SIGINT');
    });
    const retention: Step = {
      name: 'retention',
      plan: 'retention',
      run: () => remote.run('retention on the host').then(() => undefined),
    };

    const result = flow(remote, { finish: () => [retention] });

    await expect(result).rejects.toThrow(`${NEW} is live and recorded`);
    expect(scripts).not.toContain('retention on the host');
    expect(index(startsApi(LIVE))).toBe(-1);
    expect(scripts[index(AUDIT)]).toContain('result=interrupted at=record');
  });
});
