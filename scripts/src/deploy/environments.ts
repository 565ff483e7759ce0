import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../lib/repo-root';

/** The environments `--env NAME` selects; DEPLOY_ENVIRONMENTS_FILE points elsewhere. */
export const ENVIRONMENTS_FILE = path.join(REPO_ROOT, 'infra/environments.json');

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * One environment: where it runs and what GitHub calls it. Each field overrides a DEPLOY_*
 * setting for this environment only; what it leaves out comes from the DEPLOY_* variables, so two
 * environments can share one host (each with its own app name, directory and proxy port).
 */
const environmentSchema = z
  .object({
    /** The GitHub environment its deploy jobs run in (secrets, reviewers, OIDC trust); default: its name. */
    githubEnvironment: z.string().min(1).optional(),
    /** DEPLOY_HOST; unset: the shared host of DEPLOY_HOST. */
    host: z.string().min(1).optional(),
    /** DEPLOY_APP: the compose projects and, by default, the directory /srv/<app> on the host. */
    app: z.string().min(1).optional(),
    /** DEPLOY_SSM_PATH: where the environment's app settings live. */
    ssmPath: z.string().min(1).optional(),
    /** DEPLOY_URL: its public URL, the target of its checks. */
    url: z.string().min(1).optional(),
    /** Any other DEPLOY_* setting of this environment, e.g. DEPLOY_PROXY_PORT or DEPLOY_DIR. */
    settings: z.record(z.string().regex(/^DEPLOY_[A-Z0-9_]+$/), z.string()).default({}),
  })
  .strict();

export const environmentsSchema = z.record(
  z.string().regex(ENVIRONMENT_NAME, 'must be lowercase letters, digits and dashes'),
  environmentSchema,
);

export type Environments = z.output<typeof environmentsSchema>;

export function readEnvironments(
  file = process.env.DEPLOY_ENVIRONMENTS_FILE ?? ENVIRONMENTS_FILE,
): Environments {
  if (!existsSync(file))
    throw new Error(`--env needs the environments file ${file}; it does not exist`);
  const parsed = environmentsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${file} is not a valid environments file:\n${parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`).join('\n')}`,
    );
  }
  return parsed.data;
}

/** The DEPLOY_* variables an environment sets, DEPLOY_ENVIRONMENT (its name) included. */
export function environmentVariables(
  environments: Environments,
  name: string,
): Record<string, string> {
  const environment = environments[name];
  if (!environment) {
    throw new Error(
      `there is no environment ${name}; the environments are ${Object.keys(environments).join(', ') || '(none)'}`,
    );
  }
  const fields: Record<string, string | undefined> = {
    DEPLOY_HOST: environment.host,
    DEPLOY_APP: environment.app,
    DEPLOY_SSM_PATH: environment.ssmPath,
    DEPLOY_URL: environment.url,
  };
  return {
    ...Object.fromEntries(
      Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    ...environment.settings,
    DEPLOY_ENVIRONMENT: name,
  };
}

/** The GitHub environment an environment's jobs run in. */
export function githubEnvironmentOf(environments: Environments, name: string): string {
  environmentVariables(environments, name);
  return environments[name]!.githubEnvironment ?? name;
}
