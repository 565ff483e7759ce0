import { DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS } from '@starter/config';

/**
 * The worker must finish draining before Docker kills it: WORKER_DRAIN_TIMEOUT_SECONDS (app
 * environment) must be shorter than the compose stop_grace_period (DEPLOY_WORKER_STOP_GRACE_SECONDS).
 * Returns the drain timeout in force.
 */
export function checkWorkerDrain(
  environment: Record<string, string>,
  graceSeconds: number,
  source: string,
): number {
  const configured = environment.WORKER_DRAIN_TIMEOUT_SECONDS;
  const drain =
    configured === undefined ? DEFAULT_WORKER_DRAIN_TIMEOUT_SECONDS : Number(configured);
  const name =
    configured === undefined
      ? `WORKER_DRAIN_TIMEOUT_SECONDS (not set in ${source}: default ${drain})`
      : `WORKER_DRAIN_TIMEOUT_SECONDS=${configured} (${source})`;
  if (!Number.isInteger(drain) || drain <= 0) {
    throw new Error(`${name} must be a positive whole number of seconds`);
  }
  if (drain >= graceSeconds) {
    throw new Error(
      `${name} must be shorter than DEPLOY_WORKER_STOP_GRACE_SECONDS=${graceSeconds}: Docker would kill the worker while it still drains its jobs. Lower the first or raise the second.`,
    );
  }
  return drain;
}
