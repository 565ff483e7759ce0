import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { $ } from 'zx';
import type { RehearsalStack } from '../rehearsal/stack';
import type { ReplayFixture } from './replay';

export interface RehearsalDeployment {
  fixture: ReplayFixture;
  app: string;
  ssmPath: string;
  repositories: string[];
}

/**
 * The repository variables, environment secrets and SSM parameters a user sets up (README,
 * Deploying), pointing at a rehearsal stack instead of AWS: its registry, its SSH host, its proxy.
 */
export function rehearsalDeployment(stack: RehearsalStack, id: string): RehearsalDeployment {
  const app = `replay-${id}`;
  const ssmPath = `/${app}/production/`;
  const repositoryPrefix = `replay/${id}/`;
  return {
    app,
    ssmPath,
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
      },
      secrets: {
        DEPLOY_SSH_PRIVATE_KEY: readFileSync(stack.ssh.keyPath, 'utf8').trimEnd(),
        DEPLOY_KNOWN_HOSTS: readFileSync(stack.ssh.knownHostsFile, 'utf8').trimEnd(),
      },
      ssmParameters: {
        [`${ssmPath}DATABASE_URL`]: `postgres://app:${randomBytes(12).toString('hex')}@postgres:5432/app`,
        [`${ssmPath}REDIS_URL`]: 'redis://redis:6379',
        [`${ssmPath}JWT_SECRET`]: randomBytes(24).toString('hex'),
      },
      // The workflows pass no DEPLOY_DIR or proxy port (production uses the defaults, /srv/<app>
      // and 80); a rehearsal host needs its own, set on the runner as a self-hosted runner's .env.
      runnerEnv: {
        DEPLOY_DIR: stack.deployDir,
        DEPLOY_PROXY_PORT: String(stack.proxyPort),
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
  const quiet = $({ quiet: true, nothrow: true });
  const projects = [deployment.app, ...tags.map((tag) => `${deployment.app}-${tag}`)];
  for (const project of projects) {
    const ids = (
      await quiet`docker ps -aq --filter ${`label=com.docker.compose.project=${project}`}`
    ).stdout
      .split('\n')
      .filter(Boolean);
    if (ids.length) await quiet`docker rm -f -v ${ids}`;
    await quiet`docker network rm ${`${project}_default`}`;
  }
  await quiet`docker volume rm ${`${deployment.app}_postgres-data`} ${`${deployment.app}_redis-data`}`;
  await quiet`docker network rm ${`${deployment.app}-edge`} ${`${deployment.app}-data`}`;
  const images = deployment.repositories.flatMap((repository) =>
    tags.map((tag) => `${repository}:${tag}`),
  );
  await quiet`docker image rm ${images}`;
}
