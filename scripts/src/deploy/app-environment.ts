import type { DeployConfig } from '@starter/config';
import { loadAppEnvironment, renderEnvFile } from '../lib/app-secrets';
import { dataServicesEnvironment } from './data-services';
import { checkWorkerDrain } from './worker-drain';

/** The app's environment as deploy and rollback put it on the host, checked. */
export interface CheckedEnvironment {
  /** app.env's content. */
  appEnvFile: string;
  /** data.env's content, for bundled data services. */
  dataEnvFile: string | undefined;
  /** One line for the step's output. */
  summary: string;
}

export function secretsSource(config: DeployConfig): string {
  return config.secrets.source === 'ssm' ? `SSM ${config.secrets.path}` : config.secrets.file;
}

/** What the check covers, for a step's --dry-run plan. */
export function environmentCheckPlan(config: DeployConfig): string {
  return `the app environment from ${secretsSource(config)} is valid, WORKER_DRAIN_TIMEOUT_SECONDS < DEPLOY_WORKER_STOP_GRACE_SECONDS (${config.workerStopGraceSeconds}), DATABASE_URL and REDIS_URL match DEPLOY_DATA_SERVICES=${config.dataServices}`;
}

/**
 * Reads the app's environment from SSM (or DEPLOY_ENV_FILE) and checks it, so a missing or bad
 * setting stops a deploy or a rollback before anything changes on the host.
 */
export async function loadCheckedEnvironment(config: DeployConfig): Promise<CheckedEnvironment> {
  const source = secretsSource(config);
  const environment = await loadAppEnvironment(config.secrets, config.ecr?.region);
  const drain = checkWorkerDrain(environment, config.workerStopGraceSeconds, source);
  const data = dataServicesEnvironment(environment, config.dataServices);
  return {
    appEnvFile: renderEnvFile(environment),
    dataEnvFile: data && renderEnvFile(data),
    summary: `${Object.keys(environment).length} variables from ${source}; worker drain ${drain}s < stop grace ${config.workerStopGraceSeconds}s; data services: ${config.dataServices}`,
  };
}

/** A value a preflight step loaded, for the steps after it. */
export function loadedBy<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`the ${step} step did not load what later steps use`);
  return value;
}
