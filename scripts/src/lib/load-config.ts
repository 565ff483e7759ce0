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

/** Git-ignored file with DEPLOY_* settings for local use; variables already set (CI) win. */
export const LOCAL_DEPLOY_ENV_FILE = path.join(REPO_ROOT, '.deploy/deploy.env');

function loadLocalFile(): void {
  const file = process.env.DEPLOY_CONFIG_FILE ?? LOCAL_DEPLOY_ENV_FILE;
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadRegistryConfig(): RegistryConfig {
  loadLocalFile();
  return loadEnv(registryEnvSchema);
}

export function loadDeployConfig(): DeployConfig {
  loadLocalFile();
  return { ...loadEnv(registryEnvSchema), ...loadEnv(deployEnvSchema) };
}
