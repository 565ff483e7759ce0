import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './repo-root';
import {
  deployEnvSchema,
  loadEnv,
  registryEnvSchema,
  type DeployConfig,
  type RegistryConfig,
} from '@starter/config';
import { environmentVariables, readEnvironments } from '../deploy/environments';

/** Git-ignored file with DEPLOY_* settings for local use; variables already set (CI) win. */
export const LOCAL_DEPLOY_ENV_FILE = path.join(REPO_ROOT, '.deploy/deploy.env');

/** Where the app's settings come from: an environment naming one source replaces the other. */
const SECRET_SOURCES = ['DEPLOY_SSM_PATH', 'DEPLOY_ENV_FILE'];

function loadLocalFile(): void {
  const file = process.env.DEPLOY_CONFIG_FILE ?? LOCAL_DEPLOY_ENV_FILE;
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadRegistryConfig(): RegistryConfig {
  loadLocalFile();
  return loadEnv(registryEnvSchema);
}

/**
 * The DEPLOY_* settings, or with `environment` those of that environment of
 * infra/environments.json: its fields override the variables, which fill in the rest.
 */
export function deploySettings(
  environment: string | undefined,
  base: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  if (environment === undefined) return base;
  const overrides = environmentVariables(readEnvironments(), environment);
  const replaced = SECRET_SOURCES.some((name) => overrides[name]) ? SECRET_SOURCES : [];
  return {
    ...Object.fromEntries(Object.entries(base).filter(([name]) => !replaced.includes(name))),
    ...overrides,
  };
}

export function loadDeployConfig(environment?: string): DeployConfig {
  loadLocalFile();
  const settings = deploySettings(environment);
  return { ...loadEnv(registryEnvSchema, settings), ...loadEnv(deployEnvSchema, settings) };
}
