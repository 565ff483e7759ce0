import os from 'node:os';
import { $ } from 'zx';
import type { DeployConfig } from '@starter/config';
import { createRemote, type Remote } from '../lib/ssh';
import { writeStepTimings, type StepTiming } from '../lib/step-timings';
import {
  formatSeconds,
  runSteps,
  StepFailedError,
  StepsStoppedError,
  type Step,
} from '../lib/steps';
import { formatAuditLine } from './audit-log';
import {
  DeployLock,
  DeployLockedError,
  describeLease,
  holderBy,
  LeaseLostError,
  type Lease,
} from './deploy-lock';
import { ReleaseHost, type HostState } from './release-host';

export const STEP = {
  preflight: 'preflight',
  lock: 'lock',
  order: 'order',
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
  /** Extra fields of the attempt's audit line (e.g. an override used). */
  auditFields: Record<string, string>;
}

export interface FlowOptions {
  action: 'deploy' | 'rollback' | 'promote';
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
  /** The host's shell; default: ssh to DEPLOY_HOST. */
  remote?: Remote;
}

export function actorName(config: DeployConfig): string {
  return config.actor ?? `${os.userInfo().username}@${os.hostname()}`;
}

/** A second Ctrl-C within this time of the first is ignored (a double press is not a decision). */
export const INTERRUPT_GRACE_MS = 3000;

/** How a deploy stopped by a signal ends: after the host is consistent, with the shell's exit code. */
export class InterruptedError extends Error {
  readonly processExitCode: number;

  constructor(
    readonly signal: NodeJS.Signals,
    message = `interrupted by ${signal}`,
  ) {
    super(message);
    this.name = 'InterruptedError';
    this.processExitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

/**
 * The part deploy and rollback share: lock, read the host's state, switch the API, replace the
 * worker, verify, record; restore the previous release when the switch fails or is interrupted;
 * audit every attempt; always unlock.
 */
export async function runReleaseFlow(options: FlowOptions): Promise<void> {
  const { config, dryRun, action } = options;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const warn = (line: string) => process.stderr.write(`! ${line}\n`);
  const destination = `${config.ssh.user}@${config.ssh.host}:${config.ssh.port}`;
  const remote = dryRun ? undefined : (options.remote ?? createRemote(config.ssh));
  const host = remote ? new ReleaseHost(remote, config) : (undefined as unknown as ReleaseHost);
  const lock = remote ? new DeployLock(remote, host.layout.lock, config.lockTtlSeconds) : undefined;
  const context: ReleaseContext = {
    host,
    state: { current: undefined, previous: undefined },
    tag: options.dryRunTarget,
    auditFields: {},
  };
  const actor = actorName(config);
  const started = performance.now();
  const audit = (result: string, extra: Record<string, string> = {}) =>
    host.audit(
      formatAuditLine({
        actor,
        action,
        ...(config.environment ? { env: config.environment } : {}),
        release: context.tag,
        result,
        ...extra,
        ...context.auditFields,
        duration: formatSeconds(performance.now() - started),
      }),
    );
  const steps: Step[] = [
    ...options.preflight(context),
    {
      name: STEP.lock,
      plan: `take the deploy lock ${host?.layout.lock ?? `${config.dir}/lock`} (a lease renewed every ${Math.round(config.lockTtlSeconds / 3)}s; fails at once naming a live holder, takes over one not renewed for ${config.lockTtlSeconds}s), then read current and previous`,
      run: async () => {
        let expired: Lease | undefined;
        try {
          expired = await lock!.acquire({
            actor,
            by: holderBy(config.ciRun),
            action,
            release: options.dryRunTarget,
          });
        } catch (error) {
          if (error instanceof DeployLockedError) await audit('locked-out');
          throw error;
        }
        if (expired) {
          warn(`took over an expired deploy lock: ${describeLease(expired)}`);
          await host.audit(
            formatAuditLine({ actor, action: 'takeover', expired: describeLease(expired) }),
          );
        }
        lock!.keepRenewed((lost) => {
          stop ??= lost;
          warn(`${lost.message}; stopping after the current step`);
        }, warn);
        context.state = await host.readState();
        context.tag = options.target(context.state);
        if (context.tag !== options.dryRunTarget) await lock!.renew(context.tag);
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
      `[dry-run] if ${STEP.switchApi}, ${STEP.replaceWorker} or ${STEP.verify} fails or is interrupted (Ctrl-C, SIGTERM): the live release is restored and the new one removed`,
    );
    return;
  }

  let stop: Error | undefined;
  let interrupted: { signal: NodeJS.Signals; at: number } | undefined;
  let running: string | undefined;
  const begun = new Set<string>();
  const completed = new Set<string>();
  const halfSwitched = () => begun.has(STEP.switchApi) && !completed.has(STEP.record);
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted) {
      interrupted = { signal, at: performance.now() };
      stop = new InterruptedError(signal);
      warn(
        `${signal}: ${running ? `letting "${running}" finish on the host, then ` : ''}stopping${halfSwitched() ? ` and restoring ${context.state.current ?? 'the previous state'}` : ''}. Interrupt again after ${INTERRUPT_GRACE_MS / 1000}s to exit at once.`,
      );
      return;
    }
    if (performance.now() - interrupted.at < INTERRUPT_GRACE_MS) return;
    warn(
      [
        `${signal} again: exiting now. What may be left on the host:`,
        ...(running
          ? [`  "${running}" runs on there until it ends or reaches its time limit`]
          : []),
        ...(halfSwitched()
          ? [
              `  a half-done switch to ${context.tag} (current still says ${context.state.current ?? 'nothing'}): check pnpm deploy:status, then deploy again or pnpm rollback`,
            ]
          : []),
        `  the deploy lock, until its lease expires (${config.lockTtlSeconds}s) or pnpm deploy:unlock --force`,
      ].join('\n'),
    );
    process.exit(new InterruptedError(interrupted.signal).processExitCode);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The local commands of a step (git, the registry lookups) get a process group of their own, as
  // ssh does: a Ctrl-C reaches only this process, which lets the step finish.
  const detachedBefore = $.detached;
  $.detached = true;
  const timings: StepTiming[] = [];
  try {
    // Cleared first: a summary must never show the timings of an earlier run.
    writeStepTimings(timings);
    await runSteps(steps, {
      dryRun: false,
      stopRequested: () => stop,
      onStepStart: (step) => {
        running = step;
        begun.add(step);
      },
      onStepEnd: (timing, succeeded) => {
        running = undefined;
        if (succeeded) completed.add(timing.step);
        timings.push(timing);
        writeStepTimings(timings);
      },
    });
    await audit('success');
    // A signal during the last step stops nothing: that step was let finish, and none was left.
    const lateSignal = interrupted
      ? ` (${interrupted.signal} arrived during the last step, which finished)`
      : '';
    log(
      `\n${action} of ${context.tag} succeeded in ${formatSeconds(performance.now() - started)}${lateSignal}`,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (stop instanceof LeaseLostError) {
      // Another deploy owns the host now: restoring anything would fight it.
      await audit('lease-lost');
      throw new Error(`${action} of ${context.tag} stopped: ${stop.message}`, { cause: error });
    }
    if (interrupted) {
      const at = [...begun].at(-1);
      const summary = [
        `${action} of ${context.tag} interrupted by ${interrupted.signal}${at ? ` after "${at}"` : ' before any step'}${error instanceof StepsStoppedError ? '' : ` (${message})`}`,
      ];
      if (halfSwitched()) summary.push(await restore(host, context.tag, context.state.current));
      else if (completed.has(STEP.record)) summary.push(`${context.tag} is live and recorded`);
      else if (completed.has(STEP.lock))
        summary.push(
          `nothing was switched: ${context.state.current ?? 'no release'} is still live`,
        );
      else summary.push('nothing was changed on the host');
      await audit('interrupted', { at: (at ?? 'start').replaceAll(' ', '-') });
      throw new InterruptedError(interrupted.signal, summary.join('\n'));
    }
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
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    $.detached = detachedBefore;
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
