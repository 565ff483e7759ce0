import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import type { RehearsalStack } from '../rehearsal/stack';
import type { ReplayFixture } from './replay';

export interface RehearsalDeployment {
  fixture: ReplayFixture;
  /** The production app; staging's is `<app>-staging`. */
  app: string;
  ssmPath: string;
  stagingSsmPath: string;
  stagingUrl: string;
  repositories: string[];
}

/**
 * The repository variables, environment secrets and SSM parameters a user sets up (README,
 * Deploying), pointing at a rehearsal stack instead of AWS: its registry, its SSH host, its proxy;
 * staging beside production on that host, on `stagingPort`, as infra/environments.json's shape in
 * `scratch`.
 */
export function rehearsalDeployment(
  stack: RehearsalStack,
  id: string,
  stagingPort: number,
  stagingTlsPort: number,
  scratch: string,
): RehearsalDeployment {
  const app = `replay-${id}`;
  const ssmPath = `/${app}/production/`;
  const stagingSsmPath = `/${app}/staging/`;
  const stagingUrl = `http://127.0.0.1:${stagingPort}`;
  const environmentsFile = path.join(scratch, 'environments.json');
  writeFileSync(
    environmentsFile,
    JSON.stringify({
      staging: {
        app: `${app}-staging`,
        ssmPath: stagingSsmPath,
        settings: {
          DEPLOY_DIR: `${stack.deployDir}/staging`,
          DEPLOY_PROXY_PORT: String(stagingPort),
          DEPLOY_PROXY_TLS_PORT: String(stagingTlsPort),
        },
      },
      production: {},
    }),
  );
  const appSettings = (prefix: string) => ({
    [`${prefix}DATABASE_URL`]: `postgres://app:${randomBytes(12).toString('hex')}@postgres:5432/app`,
    [`${prefix}REDIS_URL`]: 'redis://redis:6379',
    [`${prefix}JWT_SECRET`]: randomBytes(24).toString('hex'),
  });
  const repositoryPrefix = `replay/${id}/`;
  return {
    app,
    ssmPath,
    stagingSsmPath,
    stagingUrl,
    repositories: ['starter-api', 'starter-worker'].map(
      (name) => `${stack.registry}/${repositoryPrefix}${name}`,
    ),
    fixture: {
      vars: {
        AWS_REGION: 'eu-west-1',
        AWS_BUILD_ROLE_ARN: 'arn:aws:iam::000000000000:role/replay-build',
        AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::000000000000:role/replay-deploy',
        DEPLOY_REGISTRY: stack.registry,
        DEPLOY_REPOSITORY_PREFIX: repositoryPrefix,
        DEPLOY_SSM_PATH: ssmPath,
        DEPLOY_HOST: stack.ssh.host,
        DEPLOY_PORT: String(stack.ssh.port),
        DEPLOY_USER: stack.ssh.user,
        DEPLOY_APP: app,
        APP_URL: stack.proxyUrl,
        STAGING_URL: stagingUrl,
        // Long enough for --wait to wait, short enough for a story.
        DEPLOY_PROMOTE_BAKE_SECONDS: '3',
        // This machine stands in for the load balancer that terminates TLS in front of both
        // proxies: its requests reach them from a Docker network's gateway.
        DEPLOY_TLS: 'off',
        DEPLOY_LOAD_BALANCER_CIDRS: '172.16.0.0/12',
      },
      secrets: {
        DEPLOY_SSH_PRIVATE_KEY: readFileSync(stack.ssh.keyPath, 'utf8').trimEnd(),
        DEPLOY_KNOWN_HOSTS: readFileSync(stack.ssh.knownHostsFile, 'utf8').trimEnd(),
      },
      ssmParameters: { ...appSettings(ssmPath), ...appSettings(stagingSsmPath) },
      // The workflows pass no DEPLOY_DIR or proxy port (production uses the defaults, /srv/<app>
      // and 80); a rehearsal host needs its own, set on the runner as a self-hosted runner's .env.
      runnerEnv: {
        DEPLOY_ENVIRONMENTS_FILE: environmentsFile,
        DEPLOY_DIR: stack.deployDir,
        DEPLOY_PROXY_PORT: String(stack.proxyPort),
        DEPLOY_PROXY_TLS_PORT: String(stack.proxyTlsPort),
        DEPLOY_PROXY_ADDRESS: '127.0.0.1',
        // A CI machine running other suites beside this one starts containers slowly.
        DEPLOY_HEALTHCHECK_RETRIES: '60',
      },
    },
  };
}

/** Removes what the deploys left on the shared Docker engine: containers, volumes, networks, images. */
export async function removeDeployment(
  deployment: RehearsalDeployment,
  tags: string[],
): Promise<void> {
  for (const app of [deployment.app, `${deployment.app}-staging`]) {
    await removeApp(app, tags);
  }
  const images = deployment.repositories.flatMap((repository) =>
    tags.flatMap((tag) => [`${repository}:${tag}`, `${repository}:manifest-${tag}`]),
  );
  await $({ quiet: true, nothrow: true })`docker image rm ${images}`;
}

async function removeApp(app: string, tags: string[]): Promise<void> {
  const quiet = $({ quiet: true, nothrow: true });
  const projects = [app, ...tags.map((tag) => `${app}-${tag}`)];
  for (const project of projects) {
    const ids = (
      await quiet`docker ps -aq --filter ${`label=com.docker.compose.project=${project}`}`
    ).stdout
      .split('\n')
      .filter(Boolean);
    if (ids.length) await quiet`docker rm -f -v ${ids}`;
    await quiet`docker network rm ${`${project}_default`}`;
  }
  await quiet`docker volume rm ${`${app}_postgres-data`} ${`${app}_redis-data`}`;
  await quiet`docker network rm ${`${app}-edge`} ${`${app}-data`}`;
}
