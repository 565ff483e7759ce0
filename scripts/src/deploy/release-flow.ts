import os from 'node:os';
import type { DeployConfig } from '@starter/config';
import { createRemote } from '../lib/ssh';
import { writeStepTimings, type StepTiming } from '../lib/step-timings';
import { formatSeconds, runSteps, StepFailedError, type Step } from '../lib/steps';
import { formatAuditLine } from './audit-log';
import { DeployLock } from './deploy-lock';
import { ReleaseHost, type HostState } from './release-host';

export const STEP = {
  preflight: 'preflight',
  lock: 'lock',
  upload: 'upload',
  pull: 'pull',
  dataServices: 'data services',
  migrate: 'migrate',
  switchApi: 'switch api',
  replaceWorker: 'replace worker',
  verify: 'verify',
  record: 'record',
  retention: 'retention',
} as const;

/** A failure in one of these leaves the host half-switched: the previous release is restored. */
const RESTORING_STEPS = new Set<string>([STEP.switchApi, STEP.replaceWorker, STEP.verify]);

export interface ReleaseContext {
  host: ReleaseHost;
  /** The host's state when the lock was taken. */
  state: HostState;
  /** The release being put live; for a rollback it is known once the state is read. */
  tag: string;
}

export interface FlowOptions {
  action: 'deploy' | 'rollback';
  /** The release to put live, given the host's state. */
  target: (state: HostState) => string;
  config: DeployConfig;
  dryRun: boolean;
  /** How --dry-run names the target, which it cannot read from the host. */
  dryRunTarget: string;
  /** Checks before the lock; they change nothing. */
  preflight: (context: ReleaseContext) => Step[];
  /** Steps between the lock and the switch (upload, pull, migrate for a deploy). */
  prepare: (context: ReleaseContext) => Step[];
  /** Steps after the release is recorded. */
  finish: (context: ReleaseContext) => Step[];
}

export function actorName(config: DeployConfig): string {
  return config.actor ?? `${os.userInfo().username}@${os.hostname()}`;
}

/**
 * The part deploy and rollback share: lock, switch the API, replace the worker, verify, record;
 * restore the previous release when the switch fails; audit every attempt; always unlock.
 */
export async function runReleaseFlow(options: FlowOptions): Promise<void> {
  const { config, dryRun, action } = options;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const destination = `${config.ssh.user}@${config.ssh.host}:${config.ssh.port}`;
  const remote = dryRun ? undefined : createRemote(config.ssh);
  const host = remote ? new ReleaseHost(remote, config) : (undefined as unknown as ReleaseHost);
  const lock = remote ? new DeployLock(remote, config.dir, host.layout.lock) : undefined;
  const context: ReleaseContext = {
    host,
    state: { current: undefined, previous: undefined },
    tag: options.dryRunTarget,
  };
  const actor = actorName(config);
  const started = performance.now();
  const audit = (result: string) =>
    host.audit(
      formatAuditLine({
        actor,
        action,
        release: context.tag,
        result,
        duration: formatSeconds(performance.now() - started),
      }),
    );
  const steps: Step[] = [
    ...options.preflight(context),
    {
      name: STEP.lock,
      plan: `take the deploy lock ${config.dir}/lock (fails at once naming the holder)`,
      run: async () => {
        context.state = await host.readState();
        context.tag = options.target(context.state);
        try {
          await lock!.acquire({ actor, action, release: context.tag });
        } catch (error) {
          await audit('locked-out');
          throw error;
        }
        log(`  ${action} ${context.tag}; live now: ${context.state.current ?? 'nothing'}`);
      },
    },
    ...options.prepare(context),
    ...switchSteps(context, config),
    ...options.finish(context),
  ];

  if (dryRun) {
    log(`Plan: ${action} ${context.tag} to ${destination} (${config.dir})`);
    await runSteps(steps, { dryRun: true });
    log(
      `[dry-run] if ${STEP.switchApi}, ${STEP.replaceWorker} or ${STEP.verify} fails: the live release is restored and the new one removed`,
    );
    return;
  }

  const releaseOnSignal = (signal: NodeJS.Signals) => {
    void lock!.release().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', releaseOnSignal);
  process.once('SIGTERM', releaseOnSignal);
  const timings: StepTiming[] = [];
  try {
    // Cleared first: a summary must never show the timings of an earlier run.
    writeStepTimings(timings);
    await runSteps(steps, {
      dryRun: false,
      onStepEnd: (timing) => {
        timings.push(timing);
        writeStepTimings(timings);
      },
    });
    await audit('success');
    log(`\n${action} of ${context.tag} succeeded in ${formatSeconds(performance.now() - started)}`);
  } catch (error) {
    if (
      !(error instanceof StepFailedError) ||
      error.step === STEP.preflight ||
      error.step === STEP.lock
    ) {
      throw error;
    }
    const summary = [`${action} of ${context.tag} failed at "${error.step}": ${error.message}`];
    if (RESTORING_STEPS.has(error.step)) {
      summary.push(await restore(host, context.tag, context.state.current));
    } else {
      summary.push(`nothing was switched: ${context.state.current ?? 'no release'} is still live`);
    }
    await audit(`failed:${error.step.replaceAll(' ', '-')}`);
    throw new Error(summary.join('\n'), { cause: error });
  } finally {
    await lock!.release();
    process.off('SIGINT', releaseOnSignal);
    process.off('SIGTERM', releaseOnSignal);
    remote!.close();
  }
}

function switchSteps(context: ReleaseContext, config: DeployConfig): Step[] {
  const { tag } = context;
  const from = () => context.state.current;
  return [
    {
      name: STEP.switchApi,
      plan: `start ${tag}'s api beside the live one, wait until healthy, point the proxy (port ${config.proxy.port}) at it, drain and stop the old api`,
      run: () => context.host.switchApi(context.tag, from()),
    },
    {
      name: STEP.replaceWorker,
      plan: `start ${tag}'s worker, stop the old one with SIGTERM (up to ${config.workerStopGraceSeconds}s to drain its jobs)`,
      run: () => context.host.replaceWorker(context.tag, from()),
    },
    {
      name: STEP.verify,
      plan: `GET /health/ready and ${config.smokePath} through the proxy, answered by ${tag}`,
      run: () => context.host.verify(context.tag),
    },
    {
      name: STEP.record,
      plan: `current=${tag}, previous=the release it replaced; audit line in ${config.dir}/audit.log`,
      run: () => context.host.record(context.tag),
    },
  ];
}

/** Puts `previous` back in front of the proxy and removes the failed release's containers. */
async function restore(
  host: ReleaseHost,
  failed: string,
  previous: string | undefined,
): Promise<string> {
  try {
    if (previous && previous !== failed) {
      await host.switchApi(previous, failed);
      await host.replaceWorker(previous, failed);
      await host.verify(previous);
      return `restored ${previous}: it is serving again and ${failed}'s containers are removed`;
    }
    await host.remove(failed);
    return `there was no previous release to restore; ${failed}'s containers are removed`;
  } catch (error) {
    return `RESTORING ${previous ?? '(none)'} FAILED, the host needs attention (pnpm deploy:status): ${error instanceof Error ? error.message : String(error)}`;
  }
}
