import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IMAGE_TAG_LENGTH } from '@starter/config';
import { parseAuditLog, type AuditEntry } from '@starter/scripts/deploy/audit-log';
import { REPO_ROOT } from '@starter/scripts/lib/repo-root';
import { freePort } from '@starter/testing';
import { $ } from 'zx';
import { Deployment, type VerbRun } from './deployment';
import { createFixtureRepository, type FixtureRelease } from './rehearsal-host';
import { startRehearsalStack, type RehearsalStack } from './stack';

/**
 * Staging and production as two apps on one rehearsal host (infra/environments.json's shape, in a
 * scratch file): a release deploys to staging and passes its checks there; promotion puts the very
 * digests staging runs into production; a release that failed its checks, one younger than the
 * bake time and one staging never ran are refused; rolling production back leaves staging alone.
 */
const id = `rp${Date.now().toString(36)}`;
const app = `rehearsal-${id}`;
/** Short enough to wait out, long enough that a promotion right after the checks is refused. */
const BAKE_SECONDS = 20;
const ENVIRONMENTS = ['staging', 'production'] as const;
type EnvironmentName = (typeof ENVIRONMENTS)[number];
const figures: string[] = [];
const fixture = createFixtureRepository();
const release: Record<string, string> = {};
let stack: RehearsalStack;
let scratch: string;
/** Runs the verbs; one per environment only to read back and clean up each app. */
let deployments: Record<EnvironmentName, Deployment>;
const ports = {} as Record<EnvironmentName, number>;

const dirOf = (environment: EnvironmentName) => `${stack.deployDir}/${environment}`;
const verb = (script: string, args: string[], extraEnv: Record<string, string> = {}) =>
  deployments.staging.verb(script, args, extraEnv);
const detail = (run: VerbRun) => ({ code: run.code, output: run.code === 0 ? '' : run.output });

async function build(spec: FixtureRelease): Promise<string> {
  await fixture.commit(spec);
  const tag = (await $({ cwd: fixture.dir, quiet: true })`git rev-parse HEAD`).stdout
    .trim()
    .slice(0, IMAGE_TAG_LENGTH);
  await deployments.staging.mustRun('release:build', ['--context', fixture.dir]);
  await deployments.staging.mustRun('release:push', ['--context', fixture.dir]);
  for (const environment of ENVIRONMENTS) deployments[environment].tags.add(tag);
  release[spec.name] = tag;
  return tag;
}

const deployToStaging = (name: string) =>
  verb('deploy', ['--env', 'staging', '--sha', release[name]!, '--context', fixture.dir]);
const promote = (...args: string[]) =>
  verb('promote', ['--from', 'staging', '--to', 'production', '--context', fixture.dir, ...args]);

/** The fixture release (its letter) serving through an environment's proxy. */
async function served(environment: EnvironmentName): Promise<string | undefined> {
  const response = await fetch(`http://127.0.0.1:${ports[environment]}/version`).catch(
    () => undefined,
  );
  return response?.ok ? ((await response.json()) as { release: string }).release : undefined;
}

async function serving(): Promise<Record<EnvironmentName, string | undefined>> {
  return { staging: await served('staging'), production: await served('production') };
}

async function auditOf(environment: EnvironmentName): Promise<AuditEntry[]> {
  return parseAuditLog(
    await stack.onHost(`cat ${dirOf(environment)}/audit.log 2>/dev/null || true`),
  );
}

/** The digests an environment's compose.env pins for a release, as the host runs them. */
async function hostDigests(environment: EnvironmentName, tag: string): Promise<string> {
  return (
    await stack.onHost(
      `grep -E '^(API|WORKER)_DIGEST=' ${dirOf(environment)}/releases/${tag}/compose.env`,
    )
  ).trim();
}

/** The image IDs the api and worker containers of an environment's release run. */
async function runningImages(environment: EnvironmentName, tag: string): Promise<string[]> {
  const project = `${app}-${environment}-${tag}`;
  const ids = (
    await $({ quiet: true })`docker ps -q --filter ${`label=com.docker.compose.project=${project}`}`
  ).stdout
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  return (
    await $({
      quiet: true,
    })`docker inspect -f ${'{{index .Config.Labels "com.docker.compose.service"}} {{.Image}}'} ${ids}`
  ).stdout
    .trim()
    .split('\n')
    .sort();
}

async function containerIds(environment: EnvironmentName): Promise<string> {
  return (
    await $({
      quiet: true,
    })`docker ps -q --no-trunc --filter ${`label=com.docker.compose.project`} --format ${'{{.Label "com.docker.compose.project"}} {{.ID}}'}`
  ).stdout
    .split('\n')
    .filter((line) => line.startsWith(`${app}-${environment}`))
    .sort()
    .join('\n');
}

beforeAll(async () => {
  stack = await startRehearsalStack(id);
  scratch = mkdtempSync(path.join(tmpdir(), `${app}-`));
  ports.production = stack.proxyPort;
  ports.staging = await freePort();
  const environments: Record<string, unknown> = {};
  for (const environment of ENVIRONMENTS) {
    const appEnvFile = path.join(scratch, `${environment}.env`);
    writeFileSync(
      appEnvFile,
      [
        `DATABASE_URL=postgres://app:${randomBytes(12).toString('hex')}@postgres:5432/app`,
        'REDIS_URL=redis://redis:6379',
        `JWT_SECRET=${randomBytes(24).toString('hex')}`,
      ].join('\n'),
      { mode: 0o600 },
    );
    // This machine stands in for each environment's load balancer, which terminates TLS: its
    // requests reach the proxy from the edge network's gateway (created here to learn it).
    const edge = `${app}-${environment}-edge`;
    await $({ quiet: true })`docker network create ${edge}`;
    const loadBalancer = (
      await $({
        quiet: true,
      })`docker network inspect -f ${'{{(index .IPAM.Config 0).Gateway}}'} ${edge}`
    ).stdout.trim();
    environments[environment] = {
      app: `${app}-${environment}`,
      url: `http://127.0.0.1:${ports[environment]}`,
      settings: {
        DEPLOY_DIR: dirOf(environment),
        DEPLOY_PROXY_PORT: String(ports[environment]),
        DEPLOY_PROXY_TLS_PORT: String(
          environment === 'production' ? stack.proxyTlsPort : await freePort(),
        ),
        DEPLOY_TLS: 'off',
        DEPLOY_LOAD_BALANCER_CIDRS: `${loadBalancer}/32`,
        DEPLOY_ENV_FILE: appEnvFile,
      },
    };
  }
  const environmentsFile = path.join(scratch, 'environments.json');
  writeFileSync(environmentsFile, JSON.stringify(environments, null, 2));
  const env = {
    ...stack.deployEnv,
    DEPLOY_CONFIG_FILE: path.join(scratch, 'no-local-config.env'),
    DEPLOY_ENVIRONMENTS_FILE: environmentsFile,
    DEPLOY_REPOSITORY_PREFIX: `rehearsal/${id}/`,
    DEPLOY_MIGRATE_COMMAND: 'node migrate.mjs',
    DEPLOY_SMOKE_PATH: '/version',
    DEPLOY_HEALTHCHECK_RETRIES: '15',
    DEPLOY_WORKER_STOP_GRACE_SECONDS: '30',
    DEPLOY_PROMOTE_BAKE_SECONDS: String(BAKE_SECONDS),
    DEPLOY_ACTOR: 'rehearsal',
  };
  deployments = {
    staging: new Deployment(stack, REPO_ROOT, `${app}-staging`, env),
    production: new Deployment(stack, REPO_ROOT, `${app}-production`, env),
  };
  const started = performance.now();
  for (const spec of [{ name: 'A' }, { name: 'B', checksFail: true }, { name: 'N' }]) {
    await build(spec);
  }
  figures.push(
    `build + push of 3 fixture releases: ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
});

afterAll(async () => {
  process.stdout.write(`\npromotion (${app}):\n${figures.map((line) => `  ${line}`).join('\n')}\n`);
  for (const deployment of Object.values(deployments ?? {})) await deployment.remove();
  await stack?.stop();
  fixture.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('1. release:push records the manifest beside the images; A deploys to staging only', async () => {
  const name = `rehearsal/${id}/starter-api`;
  const tags = (await (await fetch(`http://${stack.registry}/v2/${name}/tags/list`)).json()) as {
    tags: string[];
  };
  expect(tags.tags).toEqual(expect.arrayContaining([release.A, `manifest-${release.A}`]));
  const run = await deployToStaging('A');
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect(await serving()).toEqual({ staging: 'A', production: undefined });
  figures.push(`deploy of A to staging: ${run.seconds.toFixed(1)}s`);
});

test('2. the staging checks pass against its URL and are recorded with A on the host', async () => {
  const run = await verb('smoke', ['--env', 'staging']);
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect((await auditOf('staging')).at(-1)).toMatchObject({
    action: 'checks',
    env: 'staging',
    release: release.A,
    result: 'passed',
  });
});

test(`3. promoting A before it served the bake time (${BAKE_SECONDS}s) is refused; --wait waits it out and promotes it`, async () => {
  const early = await promote();
  expect(early.code).not.toBe(0);
  expect(early.output).toMatch(
    new RegExp(`${release.A} ran \\d+s on staging, less than the bake time of ${BAKE_SECONDS}s`),
  );
  expect(await serving()).toEqual({ staging: 'A', production: undefined });

  const run = await promote('--wait');
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect(await serving()).toEqual({ staging: 'A', production: 'A' });
  figures.push(`promotion of A (with the bake wait): ${run.seconds.toFixed(1)}s`);
});

test('4. production runs the very digests staging runs, those of the release manifest, without a build', async () => {
  const staging = await hostDigests('staging', release.A!);
  expect(await hostDigests('production', release.A!)).toBe(staging);
  expect(staging).toMatch(/^API_DIGEST=sha256:[0-9a-f]{64}\nWORKER_DIGEST=sha256:[0-9a-f]{64}$/);
  const manifest = JSON.parse(
    await stack.onHost(`cat ${dirOf('production')}/releases/${release.A}/release.json`),
  ) as { digests: { api: string; worker: string } };
  expect(staging).toBe(
    `API_DIGEST=${manifest.digests.api}\nWORKER_DIGEST=${manifest.digests.worker}`,
  );
  const images = await runningImages('staging', release.A!);
  expect(images).toHaveLength(2);
  expect(await runningImages('production', release.A!)).toEqual(images);
  const promotion = (await auditOf('production')).at(-1);
  expect(promotion).toMatchObject({
    action: 'promote',
    env: 'production',
    from: 'staging',
    release: release.A,
    result: 'success',
  });
  expect(promotion?.forced).toBeUndefined();
});

test('5. B fails its staging checks: the failure is recorded and its promotion refused', async () => {
  expect(detail(await deployToStaging('B'))).toEqual({ code: 0, output: '' });
  const checks = await verb('smoke', ['--env', 'staging']);
  expect(checks.code).not.toBe(0);
  expect(checks.output).toContain('failed at "see the item done"');
  expect((await auditOf('staging')).at(-1)).toMatchObject({
    action: 'checks',
    release: release.B,
    result: 'failed',
    failed: 'see the item done',
  });
  const run = await promote();
  expect(run.code).not.toBe(0);
  expect(run.output).toContain(`${release.B} failed its checks on staging`);
  expect(await serving()).toEqual({ staging: 'B', production: 'A' });
});

test('6. a release staging never ran is refused, even with --force', async () => {
  const run = await promote('--sha', release.N!, '--force');
  expect(run.code).not.toBe(0);
  expect(run.output).toContain(`${release.N} never went live on staging (not overridable)`);
  expect(await serving()).toEqual({ staging: 'B', production: 'A' });
});

test('7. --force promotes B anyway, and the audit line names what was overridden', async () => {
  const run = await promote('--force');
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect(await serving()).toEqual({ staging: 'B', production: 'B' });
  const promotion = (await auditOf('production')).at(-1);
  expect(promotion).toMatchObject({ action: 'promote', release: release.B, result: 'success' });
  expect(promotion?.forced).toContain(`${release.B} failed its checks on staging`);
});

test('8. rolling production back to A leaves staging alone', async () => {
  const stagingBefore = await containerIds('staging');
  const stagingAudit = (await auditOf('staging')).length;
  const run = await verb('rollback', ['--env', 'production']);
  expect(detail(run)).toEqual({ code: 0, output: '' });
  expect(await serving()).toEqual({ staging: 'B', production: 'A' });
  expect(await containerIds('staging')).toBe(stagingBefore);
  expect((await auditOf('staging')).length).toBe(stagingAudit);
  expect((await auditOf('production')).at(-1)).toMatchObject({
    action: 'rollback',
    env: 'production',
    release: release.A,
    result: 'success',
  });
});
