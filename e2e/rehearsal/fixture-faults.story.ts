import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IMAGE_TAG_LENGTH } from '@starter/config';
import { STEP } from '@starter/scripts/deploy/release-flow';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { $ } from 'zx';
import { Deployment, type VerbRun } from './deployment';
import { startLoad, type LoadReport } from './load-generator';
import { proxyRequest } from './proxy-client';
import { createFixtureRepository, type FixtureRelease } from './rehearsal-host';
import { startRehearsalStack, type RehearsalStack } from './stack';

/**
 * The deploy's fault cases, fast: this repository's verbs deploy a small fixture app (an HTTP
 * server and a job loop, e2e/rehearsal/fixture-app) whose releases can be told to fail their
 * health check or their migration.
 */
const RETENTION = 3;
const id = `rf${Date.now().toString(36)}`;
const app = `rehearsal-${id}`;
const figures: string[] = [];
const fixture = createFixtureRepository();
const DATA_SERVICES = ['postgres', 'redis'] as const;
let stack: RehearsalStack;
let deployment: Deployment;
let scratch: string;
/** The address the proxy sees this machine's requests from, trusted as the load balancer. */
let loadBalancer: string;
const release: Record<string, string> = {};

interface ContainerIdentity {
  id: string;
  created: string;
  startedAt: string;
  health: string;
}

const docker = async (args: string[]) => (await $({ quiet: true })`docker ${args}`).stdout.trim();

async function serviceContainer(project: string, service: string): Promise<string> {
  return docker([
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
}

/** What would change if a data container were recreated or restarted. */
async function dataIdentity(): Promise<Record<string, ContainerIdentity | undefined>> {
  const identities: Record<string, ContainerIdentity | undefined> = {};
  for (const service of DATA_SERVICES) {
    const ids = (await serviceContainer(app, service)).split('\n').filter(Boolean);
    identities[service] =
      ids.length === 1
        ? (JSON.parse(
            await docker([
              'inspect',
              '-f',
              '{"id":{{json .Id}},"created":{{json .Created}},"startedAt":{{json .State.StartedAt}},"health":{{json .State.Health.Status}}}',
              ids[0]!,
            ]),
          ) as ContainerIdentity)
        : undefined;
  }
  return identities;
}

const dataVolumes = DATA_SERVICES.map((service) => `${app}_${service}-data`);
const volumeCreation = () =>
  docker(['volume', 'inspect', '-f', '{{.Name}} {{.CreatedAt}}', ...dataVolumes]);
const psql = async (sql: string) =>
  docker([
    'exec',
    await serviceContainer(app, 'postgres'),
    ...['psql', '-U', 'app', '-d', 'app', '-v', 'ON_ERROR_STOP=1', '-tAc', sql],
  ]);
const redisCli = async (...command: string[]) =>
  docker(['exec', await serviceContainer(app, 'redis'), 'redis-cli', ...command]);

let dataAtStart: Record<string, ContainerIdentity | undefined> = {};
let volumesAtStart = '';
const marker = `rehearsal-${id}`;

async function expectDataUntouched(): Promise<void> {
  expect(await dataIdentity()).toEqual(dataAtStart);
}

async function build(spec: FixtureRelease): Promise<string> {
  await fixture.commit(spec);
  const tag = (await $({ cwd: fixture.dir, quiet: true })`git rev-parse HEAD`).stdout
    .trim()
    .slice(0, IMAGE_TAG_LENGTH);
  await deployment.mustRun('release:build', ['--context', fixture.dir]);
  await deployment.mustRun('release:push', ['--context', fixture.dir]);
  deployment.tags.add(tag);
  release[spec.name] = tag;
  return tag;
}

/** The fixture's commits are not this repository's: the deploy orders them in the fixture's history. */
const deploy = (name: string, extraEnv: Record<string, string> = {}) =>
  deployment.verb('deploy', ['--sha', release[name]!, '--context', fixture.dir], extraEnv);

/** The fixture's /version names the release by its letter. */
async function servedName(): Promise<string | undefined> {
  const response = await proxyRequest({ url: stack.proxyUrl }, '/version').catch(() => undefined);
  return response?.status === 200
    ? (JSON.parse(response.body) as { release: string }).release
    : undefined;
}

const detail = (run: VerbRun) => ({ code: run.code, output: run.code === 0 ? '' : run.output });
const loadDetail = (report: LoadReport) =>
  `${report.ok} ok, ${report.failed} failed${report.failures.length ? `: ${report.failures.join('; ')}` : ''}`;

beforeAll(async () => {
  stack = await startRehearsalStack(id);
  scratch = mkdtempSync(path.join(tmpdir(), `${app}-`));
  // This machine stands in for a load balancer that terminates TLS: its requests reach the proxy
  // from the edge network's gateway (created here, as the deploy would, to learn it).
  await docker(['network', 'create', `${app}-edge`]);
  loadBalancer = await docker([
    'network',
    'inspect',
    '-f',
    '{{(index .IPAM.Config 0).Gateway}}',
    `${app}-edge`,
  ]);
  const appEnvFile = path.join(scratch, 'app.env');
  writeFileSync(
    appEnvFile,
    [
      `DATABASE_URL=postgres://app:${randomBytes(12).toString('hex')}@postgres:5432/app`,
      'REDIS_URL=redis://redis:6379',
      `JWT_SECRET=${randomBytes(24).toString('hex')}`,
    ].join('\n'),
    { mode: 0o600 },
  );
  deployment = new Deployment(stack, REPO_ROOT, app, {
    ...stack.deployEnv,
    DEPLOY_CONFIG_FILE: path.join(scratch, 'no-local-config.env'),
    DEPLOY_APP: app,
    DEPLOY_REPOSITORY_PREFIX: `rehearsal/${id}/`,
    DEPLOY_ENV_FILE: appEnvFile,
    DEPLOY_RETENTION: String(RETENTION),
    DEPLOY_MIGRATE_COMMAND: 'node migrate.mjs',
    DEPLOY_SMOKE_PATH: '/version',
    // 2 s apart: C fails within 20 s, a healthy release has that long on a busy machine.
    DEPLOY_HEALTHCHECK_RETRIES: '10',
    DEPLOY_WORKER_STOP_GRACE_SECONDS: '30',
    DEPLOY_ACTOR: 'rehearsal',
    DEPLOY_TLS: 'off',
    DEPLOY_LOAD_BALANCER_CIDRS: `${loadBalancer}/32`,
  });
  const started = performance.now();
  for (const spec of [
    { name: 'A' },
    { name: 'B' },
    { name: 'C', healthFail: true },
    { name: 'M', migrateFail: true },
    { name: 'D' },
    { name: 'E' },
    { name: 'F' },
  ]) {
    await build(spec);
  }
  figures.push(
    `build + push of 7 fixture releases: ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
});

afterAll(async () => {
  process.stdout.write(
    `\nfault cases (${app}):\n${figures.map((line) => `  ${line}`).join('\n')}\n`,
  );
  await deployment?.remove();
  await stack?.stop();
  fixture.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('1. the first deploy of A on a clean host serves A and starts PostgreSQL and Redis, healthy', async () => {
  const run = await deploy('A');
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect(await servedName()).toBe('A');
  figures.push(
    `first deploy (A): ${run.seconds.toFixed(1)}s (data services ${deployment.stepSeconds(STEP.dataServices)?.toFixed(1)}s)`,
  );
  dataAtStart = await dataIdentity();
  for (const service of DATA_SERVICES) expect(dataAtStart[service]?.health).toBe('healthy');
  // The fixture's migration connects to both by service name over the data network.
  expect(run.output).toContain('postgres at postgres:5432 and redis at redis:6379 answered');
  volumesAtStart = await volumeCreation();
  await psql(
    `CREATE TABLE rehearsal_marker (value text); INSERT INTO rehearsal_marker VALUES ('${marker}')`,
  );
  await redisCli('SET', 'rehearsal-marker', marker);
  expect(await redisCli('CONFIG', 'GET', 'appendonly')).toMatch(/yes$/);
  expect(await redisCli('CONFIG', 'GET', 'maxmemory-policy')).toMatch(/noeviction$/);
});

test('2. production settings: /metrics refused by the proxy, served on the network; read-only api and worker under an init with rotated logs', async () => {
  const project = `${app}-${release.A}`;
  const outside = await fetch(`${stack.proxyUrl}/metrics`);
  const inside = await docker([
    'exec',
    await serviceContainer(project, 'api'),
    ...[
      'node',
      '-e',
      `fetch('http://api-${release.A}:3000/metrics').then((r) => console.log(r.status))`,
    ],
  ]);
  expect({ outside: outside.status, inside }).toEqual({ outside: 404, inside: '200' });
  const hardening = await docker([
    'inspect',
    '-f',
    '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Init}} {{json .HostConfig.Tmpfs}} {{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-size"}} {{index .HostConfig.LogConfig.Config "max-file"}} {{.State.Health.Status}}',
    await serviceContainer(project, 'api'),
    await serviceContainer(project, 'worker'),
  ]);
  expect(hardening.split('\n')).toEqual([
    'true true {"/tmp":""} json-file 10m 5 healthy',
    'true true {"/tmp":""} json-file 10m 5 healthy',
  ]);
});

test('3. a drain timeout not shorter than the stop grace period fails the preflight, before the lock', async () => {
  const run = await deploy('B', {
    DEPLOY_WORKER_STOP_GRACE_SECONDS: '25',
  });
  expect(run.code).not.toBe(0);
  expect(run.output).toMatch(
    /failed: WORKER_DRAIN_TIMEOUT_SECONDS \(not set in .*: default 25\) must be shorter than DEPLOY_WORKER_STOP_GRACE_SECONDS=25/,
  );
  expect(run.output).not.toMatch(/\d+\/\d+ lock/);
});

test('4. B deploys under constant load with 0 failed requests, and the old worker drains the job it was running', async () => {
  const oldWorker = await serviceContainer(`${app}-${release.A}`, 'worker');
  const workerLogs = $({ quiet: true, nothrow: true })`docker logs -f ${oldWorker}`;
  const load = startLoad({ url: stack.proxyUrl }, '/version');
  const run = await deploy('B');
  const report = await load.stop();
  expect(detail(run)).toEqual({ code: 0, output: '' });
  figures.push(
    `deploy of B under load: total ${run.seconds.toFixed(1)}s, API switch ${deployment.stepSeconds(STEP.switchApi)?.toFixed(1)}s, worker ${deployment.stepSeconds(STEP.replaceWorker)?.toFixed(1)}s; ${loadDetail(report)}`,
  );
  expect(report.failures).toEqual([]);
  expect(report.ok).toBeGreaterThan(0);
  expect(await servedName()).toBe('B');
  await expectDataUntouched();

  const events = (await workerLogs).stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event: string; job?: number; active?: number | null });
  const sigterm = events.find((event) => event.event === 'sigterm');
  const started = events.filter((event) => event.event === 'job-started').map((e) => e.job);
  const completed = events.filter((event) => event.event === 'job-completed').map((e) => e.job);
  expect(typeof sigterm?.active).toBe('number');
  expect(completed).toContain(sigterm?.active);
  expect(started.length).toBeGreaterThan(0);
  expect(started.filter((job) => !completed.includes(job))).toEqual([]);
  expect(events.at(-1)?.event).toBe('drained');
});

test('5. C never becomes healthy: the deploy fails, B keeps serving with 0 failed requests, C is removed', async () => {
  const load = startLoad({ url: stack.proxyUrl }, '/version');
  const run = await deploy('C');
  const report = await load.stop();
  expect(run.code).not.toBe(0);
  expect(run.output).toMatch(/failed at "switch api"/);
  expect(run.output).toMatch(/restored/);
  expect(report.failures).toEqual([]);
  expect(await servedName()).toBe('B');
  expect(await deployment.containersOf(`${app}-${release.C}`)).toEqual([]);
  await expectDataUntouched();
  figures.push(`failed deploy of C, restored: ${run.seconds.toFixed(1)}s; ${loadDetail(report)}`);
});

test('6. M fails its migration: aborted before any switch, B still serves', async () => {
  const run = await deploy('M');
  expect(run.code).not.toBe(0);
  expect(run.output).toMatch(/failed at "migrate"/);
  expect(run.output).not.toMatch(/switch api/);
  expect(await deployment.containersOf(`${app}-${release.M}`)).toEqual([]);
  expect(await servedName()).toBe('B');
  await expectDataUntouched();
});

test('7. rollback to A serves A without pulling an image; a rollback without --sha returns to B', async () => {
  const since = Math.floor(Date.now() / 1000);
  const run = await deployment.verb('rollback', ['--sha', release.A!]);
  const pulls = (
    await $({
      quiet: true,
    })`docker events --since ${since} --until ${Math.ceil(Date.now() / 1000) + 1} --filter type=image --filter event=pull --format {{.Actor.ID}}`
  ).stdout
    .split('\n')
    .filter((line) => deployment.repositories.some((repository) => line.startsWith(repository)));
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect(await servedName()).toBe('A');
  expect(pulls).toEqual([]);
  const back = await deployment.verb('rollback');
  expect(detail(back)).toEqual({ code: 0, output: '' });
  expect(await servedName()).toBe('B');
  figures.push(`rollback to A: ${run.seconds.toFixed(1)}s; back to B: ${back.seconds.toFixed(1)}s`);
  await expectDataUntouched();
});

test('8. of two deploys at once, exactly one runs and the other fails naming the lock holder', async () => {
  const [one, two] = await Promise.all(
    ['rehearsal-first', 'rehearsal-second'].map((actor) => deploy('D', { DEPLOY_ACTOR: actor })),
  );
  expect([one!.code, two!.code].filter((code) => code === 0)).toHaveLength(1);
  const [winner, loser] = one!.code === 0 ? ['rehearsal-first', two!] : ['rehearsal-second', one!];
  expect(loser.output).toContain(`holds the lock: ${winner}`);
  expect(await servedName()).toBe('D');
});

test(`9. after ${RETENTION + 2} releases only the last ${RETENTION} are retained, and a rollback to an older one lists those`, async () => {
  for (const name of ['E', 'F']) {
    expect(detail(await deploy(name))).toEqual({
      code: 0,
      output: '',
    });
  }
  const expected = [release.D!, release.E!, release.F!].sort();
  const images = (
    await $({ quiet: true })`docker image ls --format {{.Tag}} ${deployment.repositories[0]!}`
  ).stdout
    .split('\n')
    .filter((tag) => deployment.tags.has(tag));
  const dirs = (await stack.onHost(`ls -1 ${stack.deployDir}/releases`)).trim().split('\n');
  expect({ images: images.sort(), dirs: dirs.sort() }).toEqual({
    images: expected,
    dirs: expected,
  });
  const gone = await deployment.verb('rollback', ['--sha', release.A!]);
  expect(gone.code).not.toBe(0);
  expect(gone.output).toContain(`available: ${[release.F, release.E, release.D].join(', ')}`);
});

test('10. PostgreSQL and Redis survived every deploy, failure and rollback with their data, and the audit log has a line for every attempt', async () => {
  await expectDataUntouched();
  expect(await volumeCreation()).toBe(volumesAtStart);
  expect(await psql('SELECT value FROM rehearsal_marker')).toBe(marker);
  expect(await redisCli('GET', 'rehearsal-marker')).toBe(marker);
  const audit = (await deployment.auditLog()).map(({ action, release: tag, result }) => [
    action,
    tag,
    result,
  ]);
  expect(audit).toEqual([
    ['deploy', release.A, 'success'],
    ['deploy', release.B, 'success'],
    ['deploy', release.C, 'failed:switch-api'],
    ['deploy', release.M, 'failed:migrate'],
    ['rollback', release.A, 'success'],
    ['rollback', release.B, 'success'],
    expect.arrayContaining(['deploy', release.D]),
    expect.arrayContaining(['deploy', release.D]),
    ['deploy', release.E, 'success'],
    ['deploy', release.F, 'success'],
    ['rollback', release.A, 'failed:check-retained'],
  ]);
  expect(
    audit
      .slice(6, 8)
      .map(([, , result]) => result)
      .sort(),
  ).toEqual(['locked-out', 'success']);
});

test('11. TLS off behind a load balancer: only the balancer is believed about the client, exactly one hop, and HSTS follows its word', async () => {
  const { proxyUrl } = stack;
  const viaBalancer = await proxyRequest({ url: proxyUrl }, '/forwarded', {
    headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'x-forwarded-proto': 'https' },
  });
  const overHttpAtBalancer = await proxyRequest({ url: proxyUrl }, '/forwarded', {
    headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http' },
  });
  // Any other peer: a container on the edge network, claiming what the balancer claims.
  const api = await serviceContainer(`${app}-${release[(await servedName())!]}`, 'api');
  const apiAddress = await docker([
    'inspect',
    '-f',
    `{{(index .NetworkSettings.Networks "${app}-edge").IPAddress}}`,
    api,
  ]);
  const direct = JSON.parse(
    await docker([
      'exec',
      api,
      ...[
        'node',
        '-e',
        `fetch('http://${app}-proxy-1/forwarded', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } }).then(async (r) => console.log(JSON.stringify({ hsts: r.headers.get('strict-transport-security'), body: await r.json() })))`,
      ],
    ]),
  ) as { hsts: string | null; body: unknown };
  expect({
    viaBalancer: {
      body: JSON.parse(viaBalancer.body) as unknown,
      hsts: viaBalancer.headers['strict-transport-security'],
    },
    overHttpAtBalancer: overHttpAtBalancer.headers['strict-transport-security'] ?? null,
    direct,
  }).toEqual({
    viaBalancer: { body: { for: '203.0.113.9', proto: 'https' }, hsts: 'max-age=31536000' },
    overHttpAtBalancer: null,
    direct: { hsts: null, body: { for: apiAddress, proto: 'http' } },
  });
  figures.push(
    `behind a load balancer (${loadBalancer}): client 203.0.113.9 from its X-Forwarded-For, ${apiAddress} for a peer that is not it`,
  );
});
