import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { IMAGES } from '@starter/config';
import { parseAuditLog, type AuditEntry } from '@starter/scripts/deploy/audit-log';
import { readStepTimings, type StepTiming } from '@starter/scripts/lib/step-timings';
import { $ } from 'zx';
import { proxyRequest, type ProxyEndpoint } from './proxy-client';
import type { RehearsalStack } from './stack';

export interface VerbRun {
  code: number;
  output: string;
  seconds: number;
}

/** A verb running in its own process group, as in a terminal: Ctrl-C reaches all of it. */
export interface RunningVerb {
  /** Resolves once the verb has started and `steps` steps have ended (from its step timings). */
  stepsEnded(steps: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  /** Resolves when every process of the group has exited. */
  done: Promise<VerbRun>;
}

/** What the host looks like from outside: what serves, what runs, what it records. */
export interface HostSnapshot {
  served: string | undefined;
  current: string | undefined;
  /** `<release>/<service>` of every running api and worker container. */
  running: string[];
  lockHeld: boolean;
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
    /** How clients reach the proxy: plain HTTP unless the story deploys with TLS. */
    readonly endpoint: ProxyEndpoint = { url: stack.proxyUrl },
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

  private get timingsFile(): string {
    return path.join(this.checkout, '.deploy/step-timings.json');
  }

  start(script: string, args: string[] = [], extraEnv: Record<string, string> = {}): RunningVerb {
    const started = performance.now();
    rmSync(this.timingsFile, { force: true });
    const child = spawn('pnpm', ['run', '--silent', script, ...args], {
      cwd: this.checkout,
      env: { ...process.env, ...this.env, ...extraEnv },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const groupAlive = () => {
      try {
        process.kill(-child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (code, signal) => resolve([code, signal])),
    );
    const done = closed.then(async ([code, signal]) => {
      while (groupAlive()) await sleep(100);
      const result = {
        code: code ?? (signal === 'SIGKILL' ? 137 : 1),
        output,
        seconds: (performance.now() - started) / 1000,
      };
      appendFileSync(
        this.logFile,
        `\n$ pnpm run ${script} ${args.join(' ')} (exit ${result.code}, ${result.seconds.toFixed(1)}s)\n${result.output}`,
      );
      return result;
    });
    let exited = false;
    void done.then(() => (exited = true));
    return {
      // The verb writes its (empty) timings once its signal handlers are in place: only then is
      // a Ctrl-C one it can handle, even before its first step ends.
      stepsEnded: async (steps) => {
        for (;;) {
          const timings = this.stepTimingsIfAny();
          if (exited || (timings !== undefined && timings.length >= steps)) return;
          await sleep(20);
        }
      },
      signal: (signal) => process.kill(-child.pid!, signal),
      done,
    };
  }

  private stepTimingsIfAny(): StepTiming[] | undefined {
    try {
      return readStepTimings(this.timingsFile);
    } catch {
      // Caught between the truncation and the write of a rewrite.
      return undefined;
    }
  }

  async snapshot(): Promise<HostSnapshot> {
    const containers = (
      await $({
        quiet: true,
      })`docker ps --filter ${`label=com.docker.compose.project`} --format ${'{{.Label "com.docker.compose.project"}} {{.Label "com.docker.compose.service"}}'}`
    ).stdout
      .split('\n')
      .map((line) => line.split(' '))
      .filter(
        ([project, service]) =>
          project?.startsWith(`${this.app}-`) && ['api', 'worker'].includes(service!),
      )
      .map(([project, service]) => `${project!.slice(this.app.length + 1)}/${service}`)
      .sort();
    const [current, lock] = (
      await this.stack.onHost(
        `cat ${this.stack.deployDir}/current 2>/dev/null || echo; if [ -e ${this.stack.deployDir}/lock ]; then echo held; else echo free; fi`,
      )
    ).split('\n');
    return {
      served: await this.served(),
      current: current?.trim() || undefined,
      running: containers,
      lockHeld: lock?.trim() === 'held',
    };
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
    const response = await proxyRequest(this.endpoint, requestPath).catch(() => undefined);
    const release = response?.status === 200 ? response.headers['x-release'] : undefined;
    return typeof release === 'string' ? release : undefined;
  }

  stepTimings(): StepTiming[] {
    return readStepTimings(this.timingsFile) ?? [];
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
