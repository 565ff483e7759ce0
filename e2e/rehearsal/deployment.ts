import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { IMAGES } from '@starter/config';
import { parseAuditLog, type AuditEntry } from '@starter/scripts/deploy/audit-log';
import { readStepTimings, type StepTiming } from '@starter/scripts/lib/step-timings';
import { $ } from 'zx';
import type { RehearsalStack } from './stack';

export interface VerbRun {
  code: number;
  output: string;
  seconds: number;
}

/**
 * One app deployed from one checkout onto the rehearsal stack: runs the checkout's verbs exactly as
 * a user does (`pnpm run <verb>` in that directory, settings in DEPLOY_* variables), and reads
 * back what they leave: the release serving through the proxy, the step timings, the audit log.
 */
export class Deployment {
  readonly tags = new Set<string>();
  /** Every verb's output, in order: what to read when a story fails. */
  readonly logFile: string;

  constructor(
    readonly stack: RehearsalStack,
    readonly checkout: string,
    readonly app: string,
    private readonly env: Record<string, string>,
  ) {
    this.logFile = path.join(__dirname, 'test-results', `${app}.log`);
    mkdirSync(path.dirname(this.logFile), { recursive: true });
  }

  get repositories(): string[] {
    const prefix = this.env.DEPLOY_REPOSITORY_PREFIX ?? '';
    return Object.values(IMAGES).map(
      (image) => `${this.stack.registry}/${prefix}${image.repository}`,
    );
  }

  async verb(
    script: string,
    args: string[] = [],
    extraEnv: Record<string, string> = {},
  ): Promise<VerbRun> {
    const started = performance.now();
    const run = await $({
      cwd: this.checkout,
      env: { ...process.env, ...this.env, ...extraEnv },
      nothrow: true,
      quiet: true,
    })`pnpm run --silent ${script} ${args}`;
    const result = {
      code: run.exitCode ?? 1,
      output: `${run.stdout}${run.stderr}`,
      seconds: (performance.now() - started) / 1000,
    };
    appendFileSync(
      this.logFile,
      `\n$ pnpm run ${script} ${args.join(' ')} (exit ${result.code}, ${result.seconds.toFixed(1)}s)\n${result.output}`,
    );
    return result;
  }

  /** Runs a verb that must succeed; its output is the failure's message. */
  async mustRun(script: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
    const run = await this.verb(script, args, extraEnv);
    if (run.code !== 0) {
      throw new Error(`pnpm run ${script} ${args.join(' ')} exited ${run.code}:\n${run.output}`);
    }
    return run;
  }

  async head(): Promise<string> {
    return (await $({ cwd: this.checkout, quiet: true })`git rev-parse HEAD`).stdout.trim();
  }

  /** The release that answered `requestPath` through the proxy, from its X-Release header. */
  async served(requestPath = '/health/ready'): Promise<string | undefined> {
    const response = await fetch(`${this.stack.proxyUrl}${requestPath}`).catch(() => undefined);
    return response?.ok ? (response.headers.get('x-release') ?? undefined) : undefined;
  }

  stepTimings(): StepTiming[] {
    return readStepTimings(path.join(this.checkout, '.deploy/step-timings.json')) ?? [];
  }

  stepSeconds(step: string): number | undefined {
    return this.stepTimings().find((timing) => timing.step === step)?.seconds;
  }

  async auditLog(): Promise<AuditEntry[]> {
    const file = path.posix.join(this.stack.deployDir, 'audit.log');
    return parseAuditLog(await this.stack.onHost(`cat ${file} 2>/dev/null || true`));
  }

  async containersOf(project: string): Promise<string[]> {
    return (
      await $({
        quiet: true,
      })`docker ps -aq --filter ${`label=com.docker.compose.project=${project}`}`
    ).stdout
      .split('\n')
      .filter(Boolean);
  }

  /** Removes every container, volume, network and image the app's deploys created. */
  async remove(): Promise<void> {
    const projects = [this.app, ...[...this.tags].map((tag) => `${this.app}-${tag}`)];
    for (const project of projects) {
      const ids = await this.containersOf(project);
      if (ids.length) await $({ quiet: true, nothrow: true })`docker rm -f -v ${ids}`;
    }
    const volumes = (
      await $({ quiet: true })`docker volume ls -q --filter ${`name=^${this.app}_`}`
    ).stdout
      .split('\n')
      .filter(Boolean);
    if (volumes.length) await $({ quiet: true, nothrow: true })`docker volume rm ${volumes}`;
    await $({
      quiet: true,
      nothrow: true,
    })`docker network rm ${`${this.app}-edge`} ${`${this.app}-data`}`;
    const images = (
      await $({
        quiet: true,
      })`docker image ls --format {{.Repository}}:{{.Tag}} ${this.repositories.map((repository) => `--filter=reference=${repository}:*`)}`
    ).stdout
      .split('\n')
      .filter(Boolean);
    if (images.length) await $({ quiet: true, nothrow: true })`docker image rm ${images}`;
  }
}
