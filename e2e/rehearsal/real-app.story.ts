import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE_TAG_LENGTH } from '@starter/config';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { STEP } from '@starter/scripts/deploy/release-flow';
import { $ } from 'zx';
import { startAcmeServer, type AcmeServer } from './acme-server';
import { Deployment } from './deployment';
import { startLoad } from './load-generator';
import { proxyRequest, type ProxyAnswer, type ProxyEndpoint } from './proxy-client';
import { startRehearsalStack, type RehearsalStack } from './stack';

/**
 * The product's own journey: a fresh clone of this commit, its real images built by
 * `pnpm run release:build` and pushed by `pnpm run release:push`, deployed with
 * infra/compose.production.yml, migrated, serving over HTTPS through the proxy with a certificate
 * it obtained from a real ACME server (Pebble) and the bundled PostgreSQL and Redis; a second
 * release deployed under load; a rollback that keeps the data; one certificate throughout.
 */
const id = `ra${Date.now().toString(36)}`;
const app = `rehearsal-${id}`;
const figures: string[] = [];
let stack: RehearsalStack;
let acme: AcmeServer;
let endpoint: ProxyEndpoint;
/** The certificate the proxy served after the first deploy. */
let certificate: NonNullable<ProxyAnswer['certificate']>;
let deployment: Deployment;
let scratch: string;
const releases: string[] = [];
let token: string;
let itemId: string;
let appEnvFile: string;
/** The steps of a deploy, in order, as the last successful one recorded them. */
let deploySteps: string[] = [];
let credentials: { email: string; password: string };
const appEnvironment: Record<string, string> = {};

/** The app's settings, as a user keeps them in DEPLOY_ENV_FILE (or SSM). */
function writeAppEnvironment(settings: Record<string, string>): void {
  Object.assign(appEnvironment, settings);
  writeFileSync(
    appEnvFile,
    Object.entries(appEnvironment)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
    { mode: 0o600 },
  );
}

const seconds = (value: number | undefined) => `${value?.toFixed(1) ?? '?'}s`;

async function api(method: string, requestPath: string, body?: unknown) {
  const response = await proxyRequest(endpoint, requestPath, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    release: response.headers['x-release'],
    body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {},
  };
}

/** Pebble logs serials in lowercase hex, Node reads them in uppercase, either with leading zeros. */
const serial = (hex: string) => hex.toLowerCase().replace(/^0+/, '');

/** The certificate served now, and every certificate Pebble has issued. */
async function certificates() {
  const answer = await proxyRequest(endpoint, '/health/ready');
  return {
    served: answer.certificate && serial(answer.certificate.serial),
    issued: (await acme.issuedSerials()).map(serial),
  };
}

async function buildAndPush(label: string): Promise<string> {
  const tag = (await deployment.head()).slice(0, IMAGE_TAG_LENGTH);
  const build = await deployment.mustRun('release:build');
  const push = await deployment.mustRun('release:push');
  figures.push(
    `release ${label} (${tag}): build ${seconds(build.seconds)}, push ${seconds(push.seconds)}`,
  );
  deployment.tags.add(tag);
  releases.push(tag);
  return tag;
}

beforeAll(async () => {
  stack = await startRehearsalStack(id);
  scratch = mkdtempSync(path.join(tmpdir(), `${app}-`));
  const checkout = path.join(scratch, 'checkout');
  await $({ quiet: true })`git clone -q ${REPO_ROOT} ${checkout}`;
  const install = await $({
    cwd: checkout,
    quiet: true,
    nothrow: true,
  })`pnpm install --frozen-lockfile --prefer-offline`;
  if (install.exitCode !== 0) throw new Error(`pnpm install failed:\n${install.stderr}`);
  acme = await startAcmeServer(app, scratch);
  // The proxy container's name on the app's edge network, which Pebble resolves with Docker's DNS.
  const domain = `${app}-proxy-1.${app}-edge`;
  endpoint = { url: `https://${domain}:${stack.proxyTlsPort}`, ca: acme.issuingRoot };
  appEnvFile = path.join(scratch, 'app.env');
  writeAppEnvironment({
    DATABASE_URL: `postgres://app:${randomBytes(12).toString('hex')}@postgres:5432/app`,
    REDIS_URL: 'redis://redis:6379',
    JWT_SECRET: randomBytes(32).toString('hex'),
  });
  deployment = new Deployment(
    stack,
    checkout,
    app,
    {
      ...stack.deployEnv,
      DEPLOY_CONFIG_FILE: path.join(scratch, 'no-local-config.env'),
      DEPLOY_APP: app,
      // Repositories of this run only: retention never touches another run's images.
      DEPLOY_REPOSITORY_PREFIX: `rehearsal/${id}/`,
      DEPLOY_ENV_FILE: appEnvFile,
      // 2 s apart: a minute for a release to get healthy on a busy CI machine.
      DEPLOY_HEALTHCHECK_RETRIES: '30',
      DEPLOY_ACTOR: 'rehearsal',
      DEPLOY_DOMAINS: domain,
      DEPLOY_ACME_CA: acme.directory,
      DEPLOY_ACME_CA_ROOT: acme.listenerRootFile,
    },
    endpoint,
  );
});

afterAll(async () => {
  process.stdout.write(
    `\nreal-app journey (${app}):\n${figures.map((line) => `  ${line}`).join('\n')}\n`,
  );
  await acme?.stop();
  await deployment?.remove();
  await stack?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('1. release:build and release:push put the real images of this commit in the registry', async () => {
  const tag = await buildAndPush('A');
  const catalog = (await (await fetch(`http://${stack.registry}/v2/_catalog`)).json()) as {
    repositories: string[];
  };
  expect(catalog.repositories.sort()).toEqual(
    deployment.repositories.map((repository) => repository.slice(stack.registry.length + 1)).sort(),
  );
  for (const repository of deployment.repositories) {
    const name = repository.slice(stack.registry.length + 1);
    const tags = (await (await fetch(`http://${stack.registry}/v2/${name}/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toContain(tag);
  }
});

test('2. the first deploy to an empty host migrates and serves release A over HTTPS, with a certificate from the ACME server', async () => {
  const [tag] = releases;
  const run = await deployment.mustRun('deploy');
  expect(await deployment.served()).toBe(tag);
  figures.push(
    `first deploy: ${seconds(run.seconds)} (data services ${seconds(deployment.stepSeconds(STEP.dataServices))}, migrate ${seconds(deployment.stepSeconds(STEP.migrate))}, switch ${seconds(deployment.stepSeconds(STEP.switchApi))}, verify ${seconds(deployment.stepSeconds(STEP.verify))} with the first certificate)`,
  );
  // The chain was verified against Pebble's root only, for the domain's name.
  const secure = await proxyRequest(endpoint, '/health/ready');
  certificate = secure.certificate!;
  expect(certificate.issuer).toMatch(/^Pebble Intermediate CA/);
  expect((await certificates()).issued).toEqual([serial(certificate.serial)]);
  // HSTS only over TLS, the proxy's own (the API's includeSubDomains is dropped).
  expect(secure.headers['strict-transport-security']).toBe('max-age=31536000');
  const plain = await proxyRequest(
    { url: endpoint.url.replace(/^https:/, 'http:').replace(/:\d+$/, `:${stack.proxyPort}`) },
    '/health/ready',
  );
  expect({
    status: plain.status,
    location: plain.headers.location,
    hsts: plain.headers['strict-transport-security'],
  }).toEqual({
    status: 308,
    location: `${new URL(endpoint.url).origin.replace(/:\d+$/, '')}/health/ready`,
    hsts: undefined,
  });
  // Obtained through the HTTP-01 challenge on port 80, which the redirect lets through.
  const challenges = await acme.httpChallenges();
  expect(challenges).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        new RegExp(`^http://${new URL(endpoint.url).hostname}:80/\\.well-known/acme-challenge/`),
      ),
    ]),
  );
  figures.push(
    `certificate: serial ${certificate.serial}, from ${certificate.validFrom}, issued by ${certificate.issuer} after ${challenges.length} HTTP-01 validation requests`,
  );
});

test('3. a user registers, logs in and creates an item through the proxy; the deployed worker marks it done', async () => {
  credentials = { email: `user-${id}@example.com`, password: randomBytes(12).toString('hex') };
  expect((await api('POST', '/auth/register', credentials)).status).toBe(201);
  const login = await api('POST', '/auth/login', credentials);
  expect(login.status).toBe(200);
  token = login.body.access_token as string;
  const created = await api('POST', '/items', { title: 'rehearsal', description: 'two words' });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('pending');
  itemId = created.body.id as string;
  const deadline = Date.now() + 60_000;
  let item = await api('GET', `/items/${itemId}`);
  while (item.body.status !== 'done' && Date.now() < deadline) {
    await sleep(250);
    item = await api('GET', `/items/${itemId}`);
  }
  expect(item.body).toMatchObject({ status: 'done', word_count: 3 });
});

test('4. release B deploys while a load generator reads items through the proxy: 0 failed requests', async () => {
  const [first] = releases;
  await $({
    cwd: deployment.checkout,
    quiet: true,
  })`git -c user.name=rehearsal -c user.email=rehearsal@localhost commit -q --allow-empty -m ${'release B'}`;
  const second = await buildAndPush('B');
  const load = startLoad(endpoint, `/items/${itemId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const run = await deployment.verb('deploy');
  const report = await load.stop();
  expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({
    code: 0,
    output: '',
  });
  figures.push(
    `deploy of B under load: total ${seconds(run.seconds)}, switch ${seconds(deployment.stepSeconds(STEP.switchApi))}, worker ${seconds(deployment.stepSeconds(STEP.replaceWorker))}; ${report.ok + report.failed} requests, ${report.failed} failed, answered by ${[...report.releases].map(([tag, count]) => `${tag}×${count}`).join(' then ')}`,
  );
  expect(report.failures).toEqual([]);
  expect(report.failed).toBe(0);
  expect([...report.releases.keys()]).toEqual([first, second]);
  expect(await deployment.served()).toBe(second);
  // The second deploy asked the CA for nothing: the same certificate, the only one issued.
  expect(await certificates()).toEqual({
    served: serial(certificate.serial),
    issued: [serial(certificate.serial)],
  });
});

test('5. pnpm rollback puts release A back, and the data is still there', async () => {
  const [first, second] = releases;
  const run = await deployment.mustRun('rollback');
  figures.push(`rollback to A: ${seconds(run.seconds)}`);
  expect(await deployment.served()).toBe(first);
  const item = await api('GET', `/items/${itemId}`);
  expect(item).toMatchObject({ status: 200, release: first, body: { id: itemId, status: 'done' } });
  const audit = (await deployment.auditLog()).map(({ action, release, result }) => ({
    action,
    release,
    result,
  }));
  expect(audit).toEqual([
    { action: 'deploy', release: first, result: 'success' },
    { action: 'deploy', release: second, result: 'success' },
    { action: 'rollback', release: first, result: 'success' },
  ]);
});

/** The host is consistent: one release serves, only its api and worker run, `current` names it. */
async function expectConsistent(live: string): Promise<void> {
  expect(await deployment.snapshot()).toEqual({
    served: live,
    current: live,
    running: [`${live}/api`, `${live}/worker`],
    lockHeld: false,
  });
}

test('6. a deployer killed with SIGKILL mid-deploy: its live lease holds the lock, then the next deploy takes it over once expired and succeeds', async () => {
  const [first, second] = releases;
  const ttl = { DEPLOY_LOCK_TTL_SECONDS: '15' };
  const killed = deployment.start('deploy', [], ttl);
  // preflight, lock, order, upload: the lease is held and the pull has begun.
  await killed.stepsEnded(4);
  killed.signal('SIGKILL');
  await killed.done;
  const killedAt = Date.now();
  const refused = await deployment.verb('deploy', [], ttl);
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain('another deploy holds the lock');
  expect(await deployment.served()).toBe(first);
  await sleep(Math.max(0, killedAt + 16_000 - Date.now()));
  const takeover = await deployment.verb('deploy', [], ttl);
  expect({ code: takeover.code, output: takeover.code === 0 ? '' : takeover.output }).toEqual({
    code: 0,
    output: '',
  });
  expect(takeover.output).toContain('took over an expired deploy lock');
  deploySteps = deployment.stepTimings().map(({ step }) => step);
  expect((await deployment.auditLog()).map(({ action }) => action)).toContain('takeover');
  await expectConsistent(second!);
});

test('7. a deploy of a commit older than the live release is refused', async () => {
  const [first, second] = releases;
  const older = await deployment.verb('deploy', ['--sha', first!]);
  expect(older.code).not.toBe(0);
  expect(older.output).toContain(`is not a descendant of the live release ${second}`);
  await expectConsistent(second!);
});

test('8. a rollback after a secret changed serves with the new secret', async () => {
  const [first] = releases;
  const oldToken = token;
  writeAppEnvironment({ JWT_SECRET: randomBytes(32).toString('hex') });
  await deployment.mustRun('rollback');
  await expectConsistent(first!);
  expect((await api('GET', '/users/me')).status).toBe(401);
  const login = await api('POST', '/auth/login', credentials);
  expect(login.status).toBe(200);
  token = login.body.access_token as string;
  expect(token).not.toBe(oldToken);
  expect((await api('GET', `/items/${itemId}`)).body).toMatchObject({ status: 'done' });
});

test('9. Ctrl-C at each step of a deploy, preflight through retention, leaves the host consistent with an audit line for the attempt, and a deploy right after succeeds', async () => {
  const [first, second] = releases;
  const steps = deploySteps;
  expect(steps).toEqual(expect.arrayContaining([STEP.preflight, STEP.switchApi, STEP.retention]));
  const outcomes: string[] = [];
  let live = first!;
  for (const [index, step] of steps.entries()) {
    // Interrupted after it was recorded: back to the old release for the next step's attempt.
    if (live === second) await deployment.mustRun('rollback');
    const attempt = deployment.start('deploy', ['--sha', second!]);
    await attempt.stepsEnded(index);
    attempt.signal('SIGINT');
    const run = await attempt.done;
    const [entry] = (await deployment.auditLog()).slice(-1);
    expect(entry).toMatchObject({ action: 'deploy', release: second });
    const recorded = run.output.includes('is live and recorded') || entry!.result === 'success';
    live = recorded ? second! : first!;
    outcomes.push(`${step}: ${entry!.result}${entry!.at ? ` at ${entry!.at}` : ''}, ${live} live`);
    // pnpm's shell exits non-zero after any Ctrl-C; the deploy's own words say how it ended.
    expect(run.output).toMatch(
      entry!.result === 'success'
        ? /succeeded in .* \(SIGINT arrived during the last step, which finished\)/
        : /interrupted by SIGINT/,
    );
    expect(entry!.result).toMatch(/^(success|interrupted)$/);
    await expectConsistent(live);
  }
  figures.push(`Ctrl-C per step: ${outcomes.join('; ')}`);
  if (live === second) await deployment.mustRun('rollback');
  await deployment.mustRun('deploy', ['--sha', second!]);
  await expectConsistent(second!);
});

test('10. one certificate served throughout: the deploys, rollbacks and takeover since the first issued none', async () => {
  const now = await certificates();
  figures.push(
    `certificates issued by the ACME server: ${now.issued.length} (${now.issued.join(', ')}); served now: ${now.served}`,
  );
  expect(now).toEqual({ served: serial(certificate.serial), issued: [serial(certificate.serial)] });
});
